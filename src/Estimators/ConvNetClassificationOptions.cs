using MlNetConv.Layers;

namespace MlNetConv.Estimators;

/// <summary>Options of <see cref="ConvNetClassificationTrainer"/>: the shared options, with LeNet-5 as the default network.</summary>
public sealed class ConvNetClassificationOptions : ConvNetOptions
{
    public string PredictedLabelColumnName { get; set; } = Defaults.PredictedLabel;
}
