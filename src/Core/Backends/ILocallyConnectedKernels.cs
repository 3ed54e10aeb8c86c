using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends;

/// <summary>
/// Locally connected layers: a convolution whose weights are not shared across positions. With K = kernel volume and
/// p an output position: output[n, o, p] = bias[o, p] + Σ_{i, k} weight[p, o, i·K + k] · input[n, i, at(p, k)], where
/// at(p, k) is the input position tap k of the window at p reads (taps in the padding read zero). The geometry is a
/// convolution's with groups = 1 and no connection table.
/// </summary>
public interface ILocallyConnectedKernels
{
    /// <param name="input">(N, Cin, spatial...)</param>
    /// <param name="weight">(P, Cout, Cin·K), P the number of output positions</param>
    /// <param name="bias">(Cout, outSpatial...) or null</param>
    /// <param name="output">(N, Cout, outSpatial...), overwritten</param>
    void Forward(ConvGeometry geometry, Tensor input, Tensor weight, Tensor? bias, Tensor output);

    /// <summary>inputGrad (N, Cin, spatial...), overwritten.</summary>
    void BackwardData(ConvGeometry geometry, Tensor outputGrad, Tensor weight, Tensor inputGrad);

    /// <summary>weightGrad += dL/dweight, biasGrad += dL/dbias (accumulated).</summary>
    void BackwardWeights(ConvGeometry geometry, Tensor input, Tensor outputGrad, Tensor weightGrad, Tensor? biasGrad);
}
