using MlNetConv.Tensors;

namespace MlNetConv.Backends;

/// <summary>
/// Batch normalisation with running statistics, as evaluation applies it per channel:
/// y = ((x - RunningMean) · 1/sqrt(RunningVar + Epsilon)) · Gamma + Beta.
/// </summary>
/// <param name="Gamma">(C)</param>
/// <param name="Beta">(C)</param>
/// <param name="RunningMean">(C)</param>
/// <param name="RunningVar">(C)</param>
public sealed record BatchNormStatistics(Tensor Gamma, Tensor Beta, Tensor RunningMean, Tensor RunningVar, float Epsilon);

/// <summary>
/// The layers evaluation runs right after a convolution, done on each output while it is still in cache: first
/// <see cref="Norm"/> when set, then the addition of a residual when <see cref="AddsResidual"/> (the tensor comes with
/// each call), then ReLU when <see cref="Relu"/>. Each is the very arithmetic of its own kernel, so a fused call gives
/// the bits of the separate ones.
/// </summary>
public sealed record ConvolutionEpilogue(BatchNormStatistics? Norm, bool AddsResidual, bool Relu);

/// <summary>
/// Convolution kernels that also run a <see cref="ConvolutionEpilogue"/> (optional: a backend without it runs the layers
/// one by one).
/// </summary>
public interface IFusedConvolutionKernels
{
    /// <summary>output = epilogue(conv(input, weight) + bias), shapes as in <see cref="IConvolutionKernels.Forward"/>.</summary>
    /// <param name="residual">the output's shape, when the epilogue adds a residual; else null</param>
    void ForwardFused(Geometry.ConvGeometry geometry, Tensor input, Tensor weight, Tensor? bias, ConvolutionEpilogue epilogue, Tensor? residual,
        Tensor output);
}
