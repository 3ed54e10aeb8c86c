using MlNetConv.Tensors;

namespace MlNetConv.Backends;

/// <summary>Batch normalization and local response normalization across channels.</summary>
public interface INormalizationKernels
{
    /// <summary>
    /// Normalizes with the batch statistics of each channel, writes mean and 1/sqrt(var + eps) for backward and
    /// updates the running statistics: running = (1 - momentum) * running + momentum * batch (unbiased variance).
    /// </summary>
    /// <param name="input">(N, C, spatial...)</param>
    /// <param name="gamma">(C)</param>
    /// <param name="beta">(C)</param>
    /// <param name="runningMean">(C), updated</param>
    /// <param name="runningVar">(C), updated</param>
    /// <param name="output">(N, C, spatial...), overwritten</param>
    /// <param name="saveMean">(C), overwritten</param>
    /// <param name="saveInvStd">(C), overwritten</param>
    void BatchNormForwardTraining(Tensor input, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
        float momentum, float epsilon, Tensor output, Tensor saveMean, Tensor saveInvStd);

    /// <summary>Normalizes with the running statistics; writes them as mean and 1/sqrt(var + eps) for backward.</summary>
    void BatchNormForwardInference(Tensor input, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
        float epsilon, Tensor output, Tensor saveMean, Tensor saveInvStd);

    /// <summary>
    /// inputGrad (overwritten); gammaGrad, betaGrad (accumulated). With batchStatistics the mean and variance depend
    /// on the input (training); without, they are constants (a network in evaluation mode).
    /// </summary>
    void BatchNormBackward(Tensor input, Tensor outputGrad, Tensor gamma, Tensor mean, Tensor invStd, bool batchStatistics,
        Tensor inputGrad, Tensor gammaGrad, Tensor betaGrad);

    /// <summary>
    /// b_c = a_c / (k + alpha' * sum_{c' in window(c)} a_c'^2)^beta over the channels of <paramref name="window"/>,
    /// alpha' = alpha (the AlexNet paper) or alpha / size (PyTorch, ONNX). scale (same shape) keeps the denominator base.
    /// </summary>
    /// <param name="input">(N, C, spatial...)</param>
    /// <param name="output">(N, C, spatial...), overwritten</param>
    /// <param name="scale">(N, C, spatial...), overwritten</param>
    void LocalResponseNormForward(Tensor input, Geometry.ChannelWindow window, float alpha, float beta, float k, Tensor output, Tensor scale);

    /// <summary>inputGrad overwritten; the window and alpha as passed to forward.</summary>
    void LocalResponseNormBackward(Tensor input, Tensor output, Tensor scale, Tensor outputGrad, Geometry.ChannelWindow window, float alpha, float beta,
        Tensor inputGrad);
}
