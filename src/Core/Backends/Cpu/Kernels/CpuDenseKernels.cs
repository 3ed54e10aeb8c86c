using MlNetConv.Backends.Cpu.Gemm;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Fully connected layers as three SGEMMs (threaded over blocks of the result, never over the reduction, so the
/// results are bit-identical run to run): y = x · Wᵀ + b, dx = dy · W, dW += dyᵀ · x.
/// </summary>
/// <param name="isa">the GEMM micro-kernel (the machine's best by default; tests run every one it has)</param>
internal sealed class CpuDenseKernels(GemmIsa isa) : IDenseKernels
{
    public CpuDenseKernels() : this(GemmBlocking.BestIsa) { }

    public unsafe void Forward(Tensor input, Tensor weight, Tensor? bias, Tensor output)
    {
        var (n, inSize, outSize) = DenseShapes.Check("forward", input.Shape, weight.Shape, bias?.Shape, output.Shape);
        var y = CpuData.Span(output);
        if (bias is not null)
        {
            var b = CpuData.Read(bias).AsSpan();
            for (int s = 0; s < n; s++) b.CopyTo(y.Slice(s * outSize, outSize));
        }
        // y (n, out) = x (n, in) · Wᵀ, W stored (out, in) and packed as Wᵀ once while it does not change (unless it is very
        // large); the bias already in y when there is one.
        float* packedWeightT = CpuPackedWeights.ForDense(isa, weight);
        fixed (float* x = CpuData.Read(input).AsSpan(), w = CpuData.Read(weight).AsSpan(), py = y)
            Sgemm.Multiply(isa, false, true, n, outSize, inSize, 1f, x, inSize, w, inSize, bias is null ? 0f : 1f, py, outSize, parallel: true,
                packedB: packedWeightT);
    }

    public void BackwardData(Tensor outputGrad, Tensor weight, Tensor inputGrad)
    {
        var (n, inSize, outSize) = DenseShapes.Check("backward (data)", inputGrad.Shape, weight.Shape, null, outputGrad.Shape);
        // dx (n, in) = dy (n, out) · W (out, in)
        Sgemm.Multiply(false, false, n, inSize, outSize, 1f, CpuData.Span(outputGrad), outSize, CpuData.Span(weight), inSize,
            0f, CpuData.Span(inputGrad), inSize, isa, parallel: true);
    }

    public void BackwardWeights(Tensor input, Tensor outputGrad, Tensor weightGrad, Tensor? biasGrad)
    {
        var (n, inSize, outSize) = DenseShapes.Check("backward (weights)", input.Shape, weightGrad.Shape, biasGrad?.Shape, outputGrad.Shape);
        var dy = CpuData.Span(outputGrad);
        // dW (out, in) += dyᵀ · x, dy stored (n, out)
        Sgemm.Multiply(true, false, outSize, inSize, n, 1f, dy, outSize, CpuData.Span(input), inSize,
            1f, CpuData.Span(weightGrad), inSize, isa, parallel: true);
        if (biasGrad is null) return;
        var db = CpuData.Span(biasGrad);
        var sums = CpuScratch.Rent(outSize);
        try
        {
            // Column sums of dy, sample by sample in order, as the reference kernel adds them.
            var sum = sums.Span(outSize);
            sum.Clear();
            for (int s = 0; s < n; s++)
            {
                var row = dy.Slice(s * outSize, outSize);
                for (int o = 0; o < outSize; o++) sum[o] += row[o];
            }
            for (int o = 0; o < outSize; o++) db[o] += sum[o];
        }
        finally
        {
            CpuScratch.Return(sums);
        }
    }
}
