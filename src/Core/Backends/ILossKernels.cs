using MlNetConv.Tensors;

namespace MlNetConv.Backends;

/// <summary>Losses on logits; softmax lives here so the cross-entropy is computed stably (log-sum-exp).</summary>
public interface ILossKernels
{
    /// <summary>
    /// Per item (sample, or pixel for (N, K, spatial...)) softmax cross-entropy. For item i with label y and weight
    /// w = classWeights[y] (1 without weights; 0 for the ignore label): losses[i] = w * (logsumexp(z) - z_y),
    /// weights[i] = w, logitsGrad[i, k] = w * (softmax(z)_k - [k == y]), not yet divided by the total weight.
    /// </summary>
    /// <param name="logits">(N, K, spatial...)</param>
    /// <param name="labels">(N, spatial...) class indices</param>
    /// <param name="classWeights">(K) or null</param>
    /// <param name="losses">(N * spatial), overwritten</param>
    /// <param name="weights">(N * spatial), overwritten</param>
    /// <param name="logitsGrad">like logits, overwritten</param>
    void SoftmaxCrossEntropy(Tensor logits, IndexTensor labels, Tensor? classWeights, int ignoreIndex,
        Tensor losses, Tensor weights, Tensor logitsGrad);

    /// <summary>probabilities = softmax over the channel axis of logits (N, K, spatial...).</summary>
    void Softmax(Tensor logits, Tensor probabilities);

    /// <summary>Returns sum((prediction - target)^2) and writes gradient = scale * 2 * (prediction - target).</summary>
    double SquaredError(Tensor prediction, Tensor target, float scale, Tensor gradient);
}
