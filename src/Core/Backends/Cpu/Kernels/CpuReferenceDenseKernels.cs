using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Reference fully connected kernels: dot products threaded over samples (forward, input gradient) or output units
/// (weights). The oracle of the GEMM-based <see cref="CpuDenseKernels"/>.
/// </summary>
internal sealed class CpuReferenceDenseKernels : IDenseKernels
{
    public void Forward(Tensor input, Tensor weight, Tensor? bias, Tensor output)
    {
        var x = CpuData.Of(input);
        var w = CpuData.Of(weight);
        var b = bias is null ? default : CpuData.Of(bias);
        var y = CpuData.Of(output);
        var (n, inSize, outSize) = DenseShapes.Check("forward", input.Shape, weight.Shape, bias?.Shape, output.Shape);
        bool hasBias = bias is not null;
        Parallel.For(0, n, s =>
        {
            var row = x.AsSpan(s * inSize, inSize);
            for (int o = 0; o < outSize; o++)
            {
                var weights = w.AsSpan(o * inSize, inSize);
                float sum = hasBias ? b[o] : 0f;
                for (int i = 0; i < inSize; i++) sum += row[i] * weights[i];
                y[s * outSize + o] = sum;
            }
        });
    }

    public void BackwardData(Tensor outputGrad, Tensor weight, Tensor inputGrad)
    {
        var dy = CpuData.Of(outputGrad);
        var w = CpuData.Of(weight);
        var dx = CpuData.Of(inputGrad);
        var (n, inSize, outSize) = DenseShapes.Check("backward (data)", inputGrad.Shape, weight.Shape, null, outputGrad.Shape);
        Parallel.For(0, n, s =>
        {
            var row = dx.AsSpan(s * inSize, inSize);
            row.Clear();
            for (int o = 0; o < outSize; o++)
            {
                float g = dy[s * outSize + o];
                var weights = w.AsSpan(o * inSize, inSize);
                for (int i = 0; i < inSize; i++) row[i] += g * weights[i];
            }
        });
    }

    public void BackwardWeights(Tensor input, Tensor outputGrad, Tensor weightGrad, Tensor? biasGrad)
    {
        var x = CpuData.Of(input);
        var dy = CpuData.Of(outputGrad);
        var dw = CpuData.Of(weightGrad);
        var db = biasGrad is null ? default : CpuData.Of(biasGrad);
        var (n, inSize, outSize) = DenseShapes.Check("backward (weights)", input.Shape, weightGrad.Shape, biasGrad?.Shape, outputGrad.Shape);
        bool hasBias = biasGrad is not null;
        Parallel.For(0, outSize, o =>
        {
            var weightsGrad = dw.AsSpan(o * inSize, inSize);
            float biasSum = 0;
            for (int s = 0; s < n; s++)
            {
                float g = dy[s * outSize + o];
                biasSum += g;
                var row = x.AsSpan(s * inSize, inSize);
                for (int i = 0; i < inSize; i++) weightsGrad[i] += g * row[i];
            }
            if (hasBias) db[o] += biasSum;
        });
    }
}
