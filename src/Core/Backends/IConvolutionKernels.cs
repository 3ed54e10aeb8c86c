using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends;

/// <summary>1D/2D/3D convolution with stride, padding, dilation, groups and connection tables.</summary>
public interface IConvolutionKernels
{
    /// <summary>output = conv(input, weight) + bias.</summary>
    /// <param name="input">(N, Cin, spatial...)</param>
    /// <param name="weight">(Connections, kernel...) — (Cout, Cin/groups, kernel...) without a table</param>
    /// <param name="bias">(Cout) or null</param>
    /// <param name="output">(N, Cout, outSpatial...), overwritten</param>
    void Forward(ConvGeometry geometry, Tensor input, Tensor weight, Tensor? bias, Tensor output);

    /// <summary>inputGrad = conv_transpose(outputGrad, weight), overwritten.</summary>
    void BackwardData(ConvGeometry geometry, Tensor outputGrad, Tensor weight, Tensor inputGrad);

    /// <summary>weightGrad += dL/dweight, biasGrad += dL/dbias (accumulated).</summary>
    void BackwardWeights(ConvGeometry geometry, Tensor input, Tensor outputGrad, Tensor weightGrad, Tensor? biasGrad);
}
