using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends;

/// <summary>Max and average pooling over 1..3 spatial dimensions; global pooling is a window over everything.</summary>
public interface IPoolingKernels
{
    /// <param name="input">(N, C, spatial...)</param>
    /// <param name="output">(N, C, outSpatial...), overwritten</param>
    /// <param name="indices">(N, C, outSpatial...): flat spatial index of each maximum inside its input map</param>
    void MaxForward(PoolGeometry geometry, Tensor input, Tensor output, IndexTensor indices);

    /// <summary>inputGrad (overwritten) receives each output gradient at its argmax.</summary>
    void MaxBackward(PoolGeometry geometry, Tensor outputGrad, IndexTensor indices, Tensor inputGrad);

    void AvgForward(PoolGeometry geometry, Tensor input, Tensor output);

    /// <summary>inputGrad is overwritten.</summary>
    void AvgBackward(PoolGeometry geometry, Tensor outputGrad, Tensor inputGrad);
}
