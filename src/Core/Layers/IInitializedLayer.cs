using MlNetConv.Init;

namespace MlNetConv.Layers;

/// <summary>
/// A layer whose weight and bias initializers can be chosen (convolutions, dense and locally connected layers,
/// trainable subsampling). They take effect when the layer is built and are saved with the architecture, so a copy
/// made from its JSON starts the same way.
/// </summary>
public interface IInitializedLayer
{
    IInitializer WeightInit { get; set; }
    IInitializer BiasInit { get; set; }
}
