using MlNetConv.Backends;
using MlNetConv.Tensors;

namespace MlNetConv.Losses;

/// <summary>
/// Softmax cross-entropy on logits (N, K) or per pixel on (N, K, spatial...), computed stably with log-sum-exp.
/// With class weights w the loss is Σ w[y_i] l_i / Σ w[y_i] (PyTorch's weighted mean); items labelled
/// <see cref="IgnoreIndex"/> count for nothing.
/// </summary>
public sealed class SoftmaxCrossEntropyLoss : ILoss
{
    private readonly float[]? _classWeights;
    private Tensor? _weightsTensor, _losses, _itemWeights, _gradient;

    public SoftmaxCrossEntropyLoss(float[]? classWeights = null, int ignoreIndex = -100)
    {
        if (classWeights is not null && classWeights.Any(w => w < 0 || !float.IsFinite(w)))
            throw new ArgumentException("Class weights must be finite and >= 0.", nameof(classWeights));
        _classWeights = classWeights;
        IgnoreIndex = ignoreIndex;
    }

    public int IgnoreIndex { get; }

    public LossResult Compute(Tensor output, Targets targets)
    {
        var labels = targets.Labels ?? throw new ArgumentException("Cross-entropy needs class labels as targets.");
        var backend = output.Backend;
        int items = output.Shape.N * output.Shape.SpatialSize;
        if (labels.Size != items)
            throw new ArgumentException($"Cross-entropy: output {output.Shape} has {items} items but the labels have shape {labels.Shape}.");
        if (_classWeights is not null && _classWeights.Length != output.Shape.C)
            throw new ArgumentException($"Cross-entropy: {_classWeights.Length} class weights for {output.Shape.C} classes.");
        if (_classWeights is not null && _weightsTensor is null)
        {
            _weightsTensor = backend.Allocate(new Shape(_classWeights.Length));
            _weightsTensor.CopyFrom(_classWeights);
        }
        var losses = backend.Reuse(ref _losses, new Shape(items));
        var itemWeights = backend.Reuse(ref _itemWeights, new Shape(items));
        var gradient = backend.Reuse(ref _gradient, output.Shape);
        backend.Loss.SoftmaxCrossEntropy(output, labels, _weightsTensor, IgnoreIndex, losses, itemWeights, gradient);
        double total = backend.Elementwise.Sum(itemWeights);
        if (total <= 0) throw new InvalidOperationException("Cross-entropy: every item of the batch is ignored or has weight 0.");
        backend.Elementwise.Scale(gradient, (float)(1.0 / total));
        return new LossResult(backend.Elementwise.Sum(losses) / total, gradient);
    }
}
