using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends;

/// <summary>
/// Max, average and Lp pooling over 1..3 spatial dimensions (global pooling is a window over everything), max
/// unpooling, and max pooling across groups of channels (maxout).
/// </summary>
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

    /// <summary>
    /// Max unpooling's backward (its forward is <see cref="MaxBackward"/>: every value goes to the position its window's
    /// maximum came from): inputGrad[m, o] = outputGrad[m, indices[m, o]], overwritten.
    /// </summary>
    /// <param name="outputGrad">(N, C, spatial...) — the extent max pooling read</param>
    /// <param name="indices">(N, C, pooledSpatial...) from <see cref="MaxForward"/></param>
    /// <param name="inputGrad">(N, C, pooledSpatial...)</param>
    void MaxUnpoolBackward(PoolGeometry geometry, Tensor outputGrad, IndexTensor indices, Tensor inputGrad);

    /// <summary>
    /// output = (Σ_window |x|^p)^(1/p): the p-norm of every window (a sum, not a mean, as PyTorch's LPPool). Windows
    /// are unpadded; in ceil mode a clipped last window sums the taps inside the input.
    /// </summary>
    /// <param name="input">(N, C, spatial...)</param>
    /// <param name="output">(N, C, outSpatial...), overwritten</param>
    void LpForward(PoolGeometry geometry, float p, Tensor input, Tensor output);

    /// <summary>inputGrad (overwritten) = Σ over the windows of x: outputGrad · sign(x)|x|^(p-1) / y^(p-1); 0 where y = 0.</summary>
    /// <param name="input">(N, C, spatial...) as given to forward</param>
    /// <param name="output">(N, C, outSpatial...) the norms forward wrote</param>
    /// <param name="outputGrad">(N, C, outSpatial...)</param>
    /// <param name="inputGrad">(N, C, spatial...)</param>
    void LpBackward(PoolGeometry geometry, float p, Tensor input, Tensor output, Tensor outputGrad, Tensor inputGrad);

    /// <summary>
    /// Maxout: output[n, j, s] = max over t &lt; poolSize of input[n, j·poolSize + t, s]; indices keep t.
    /// </summary>
    /// <param name="input">(N, C, spatial...) or (N, C)</param>
    /// <param name="output">(N, C / poolSize, spatial...), overwritten</param>
    /// <param name="indices">like output</param>
    void ChannelMaxForward(Tensor input, int poolSize, Tensor output, IndexTensor indices);

    /// <summary>inputGrad (N, C, spatial...), overwritten: each output gradient at the channel its maximum came from, zero elsewhere.</summary>
    void ChannelMaxBackward(Tensor outputGrad, IndexTensor indices, int poolSize, Tensor inputGrad);
}
