using ILGPU;
using ILGPU.Runtime;
using MlNetConv.Backends;
using MlNetConv.Tensors;

namespace MlNetConv.Gpu.Kernels;

/// <summary>Fully connected layers as GEMMs (cuBLAS on CUDA, else the ILGPU tiled kernel); bias rows broadcast, bias gradients column sums.</summary>
internal sealed class GpuDenseKernels : IDenseKernels
{
    private readonly GpuBackend _b;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, int> _broadcastRows;

    public GpuDenseKernels(GpuBackend backend)
    {
        _b = backend;
        _broadcastRows = backend.Accelerator.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, int>(BroadcastRowsKernel);
    }

    public void Forward(Tensor input, Tensor weight, Tensor? bias, Tensor output)
    {
        var (n, inSize, outSize) = DenseShapes.Check("forward", input.Shape, weight.Shape, bias?.Shape, output.Shape);
        _b.Bind();
        var y = GpuData.Of(output);
        if (bias is not null) BroadcastRows(GpuData.Of(bias), y, n * outSize, outSize);
        // output (N, Out) = input (N, In) · weightᵀ (In, Out) [+ output]
        _b.Gemm.Run(GemmParams.Create(false, true, n, outSize, inSize, 1f, bias is null ? 0f : 1f), 1, GpuData.Of(input), GpuData.Of(weight), y);
    }

    public void BackwardData(Tensor outputGrad, Tensor weight, Tensor inputGrad)
    {
        var (n, inSize, outSize) = DenseShapes.Check("backward (data)", inputGrad.Shape, weight.Shape, null, outputGrad.Shape);
        _b.Bind();
        // inputGrad (N, In) = outputGrad (N, Out) · weight (Out, In)
        _b.Gemm.Run(GemmParams.Create(false, false, n, inSize, outSize), 1, GpuData.Of(outputGrad), GpuData.Of(weight), GpuData.Of(inputGrad));
    }

    public void BackwardWeights(Tensor input, Tensor outputGrad, Tensor weightGrad, Tensor? biasGrad)
    {
        var (n, inSize, outSize) = DenseShapes.Check("backward (weights)", input.Shape, weightGrad.Shape, biasGrad?.Shape, outputGrad.Shape);
        _b.Bind();
        // weightGrad (Out, In) += outputGradᵀ (Out, N) · input (N, In)
        _b.Gemm.Run(GemmParams.Create(true, false, outSize, inSize, n, 1f, 1f), 1, GpuData.Of(outputGrad), GpuData.Of(input), GpuData.Of(weightGrad));
        if (biasGrad is not null) _b.Reductions.AddChannelSums(GpuData.Of(outputGrad), n, outSize, 1, GpuData.Of(biasGrad));
    }

    /// <summary>y[i] = row[i % rowLength] for i &lt; count.</summary>
    internal void BroadcastRows(ArrayView<float> row, ArrayView<float> y, int count, int rowLength)
    {
        int t = _b.Threads(count);
        if (count > 0) _broadcastRows(t, count, t, row, y, rowLength);
    }

    private static void BroadcastRowsKernel(Index1D t, int n, int stride, ArrayView<float> row, ArrayView<float> y, int rowLength)
    {
        for (int i = t; i < n; i += stride) y[i] = row[i % rowLength];
    }
}
