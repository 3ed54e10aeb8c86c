using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Gpu.Kernels;

// The kernels of the segmentation layers (upsampling, locally connected layers, max-unpooling, Lp and cross-channel
// max pooling, crop/pad regions, per-channel bias) are not on the GPU backend yet: each refuses with a message that
// names the kernel, so a network that needs one fails at its first use instead of computing something wrong.

internal static class NotOnGpu
{
    public static NotSupportedException Kernel(string kernel) =>
        new($"MlNetConv.Gpu: {kernel} is not implemented on the GPU backend yet; train or score networks with this layer on Device.Cpu.");
}

internal sealed class GpuUpsamplingKernels : IUpsamplingKernels
{
    public void Forward(UpsampleGeometry geometry, Tensor input, Tensor output) => throw NotOnGpu.Kernel("Upsample forward");
    public void Backward(UpsampleGeometry geometry, Tensor outputGrad, Tensor inputGrad) => throw NotOnGpu.Kernel("Upsample backward");
}

internal sealed class GpuLocallyConnectedKernels : ILocallyConnectedKernels
{
    public void Forward(ConvGeometry geometry, Tensor input, Tensor weight, Tensor? bias, Tensor output) => throw NotOnGpu.Kernel("LocallyConnected forward");
    public void BackwardData(ConvGeometry geometry, Tensor outputGrad, Tensor weight, Tensor inputGrad) => throw NotOnGpu.Kernel("LocallyConnected backward (data)");
    public void BackwardWeights(ConvGeometry geometry, Tensor input, Tensor outputGrad, Tensor weightGrad, Tensor? biasGrad) =>
        throw NotOnGpu.Kernel("LocallyConnected backward (weights)");
}

internal sealed partial class GpuPoolingKernels
{
    public void MaxUnpoolBackward(PoolGeometry geometry, Tensor outputGrad, IndexTensor indices, Tensor inputGrad) => throw NotOnGpu.Kernel("MaxUnpool backward");
    public void LpForward(PoolGeometry geometry, float p, Tensor input, Tensor output) => throw NotOnGpu.Kernel("LPPool forward");
    public void LpBackward(PoolGeometry geometry, float p, Tensor input, Tensor output, Tensor outputGrad, Tensor inputGrad) => throw NotOnGpu.Kernel("LPPool backward");
    public void ChannelMaxForward(Tensor input, int poolSize, Tensor output, IndexTensor indices) => throw NotOnGpu.Kernel("Maxout forward");
    public void ChannelMaxBackward(Tensor outputGrad, IndexTensor indices, int poolSize, Tensor inputGrad) => throw NotOnGpu.Kernel("Maxout backward");
}

internal sealed partial class GpuElementwiseKernels
{
    public void CopyRegion(Tensor source, Int3 sourceStart, Tensor destination, Int3 destinationStart, Int3 extent) => throw NotOnGpu.Kernel("CopyRegion (CropTo, ZeroPad2d)");
    public void AddChannelBias(Tensor bias, Tensor output) => throw NotOnGpu.Kernel("AddChannelBias (ConvTranspose bias)");
    public void AccumulateChannelSums(Tensor input, Tensor sums) => throw NotOnGpu.Kernel("AccumulateChannelSums (ConvTranspose bias gradient)");
}
