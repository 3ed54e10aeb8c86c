using MlNetConv.Tensors;

namespace MlNetConv.Losses;

/// <summary>What a loss compares the network's output with: class indices (N, spatial...) or values shaped like the output.</summary>
public sealed class Targets
{
    public Targets(IndexTensor labels) => Labels = labels;
    public Targets(Tensor values) => Values = values;

    public IndexTensor? Labels { get; }
    public Tensor? Values { get; }
}
