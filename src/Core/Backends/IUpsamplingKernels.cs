using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends;

/// <summary>Nearest and (bi/tri)linear upsampling over 1..3 spatial dimensions; the source taps come from the geometry.</summary>
public interface IUpsamplingKernels
{
    /// <summary>Every output is the weighted sum of the (up to 2 per axis) input taps the geometry names for it.</summary>
    /// <param name="input">(N, C, spatial...)</param>
    /// <param name="output">(N, C, outSpatial...), overwritten</param>
    void Forward(UpsampleGeometry geometry, Tensor input, Tensor output);

    /// <summary>inputGrad (N, C, spatial...), overwritten: every output gradient spread back over its taps with their weights.</summary>
    void Backward(UpsampleGeometry geometry, Tensor outputGrad, Tensor inputGrad);
}
