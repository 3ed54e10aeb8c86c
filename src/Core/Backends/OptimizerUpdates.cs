namespace MlNetConv.Backends;

/// <summary>
/// The per-parameter update formulas of <see cref="IOptimizerKernels"/>, one home for the scalar form (PyTorch's SGD and
/// Adam/AdamW): the reference kernels loop over it and the fast kernels' tails call it, so their lanes are checked
/// against this one definition. The operations run in this order with no fused multiply-adds.
/// </summary>
internal static class OptimizerUpdates
{
    /// <summary>g = grad + weightDecay * p; v = momentum * v + g; p -= lr * (nesterov ? g + momentum * v : v); without momentum p -= lr * g and v is not touched.</summary>
    public static void Sgd(ref float parameter, float grad, ref float velocity, float learningRate, float momentum, float weightDecay, bool nesterov)
    {
        float d = grad + weightDecay * parameter;
        if (momentum != 0f)
        {
            velocity = momentum * velocity + d;
            d = nesterov ? d + momentum * velocity : velocity;
        }
        parameter -= learningRate * d;
    }

    /// <summary>
    /// Adam (decoupled = false: weightDecay * p added to the gradient) or AdamW (decoupled = true: p -= lr * weightDecay * p
    /// first); m and v are the moving averages, correction1 = 1 - beta1^step and correction2 = 1 - beta2^step.
    /// </summary>
    public static void Adam(ref float parameter, float grad, ref float m, ref float v, float learningRate, float beta1, float beta2,
        float epsilon, float weightDecay, bool decoupled, float correction1, float correction2)
    {
        float d = grad;
        if (decoupled) parameter -= learningRate * weightDecay * parameter;
        else d += weightDecay * parameter;
        m = beta1 * m + (1 - beta1) * d;
        v = beta2 * v + (1 - beta2) * d * d;
        parameter -= learningRate * (m / correction1) / (MathF.Sqrt(v / correction2) + epsilon);
    }

    /// <summary>Adam's bias corrections (1 - beta1^step, 1 - beta2^step); step counts from 1.</summary>
    public static (float Correction1, float Correction2) AdamCorrections(float beta1, float beta2, int step) =>
        (1f - MathF.Pow(beta1, step), 1f - MathF.Pow(beta2, step));
}
