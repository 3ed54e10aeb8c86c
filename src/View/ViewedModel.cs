using MlNetConv.Transforms;

namespace MlNetConv.View;

/// <summary>
/// What the view shows: a network, how an image becomes its input, and the names of its classes when it classifies.
/// The view reads the network only (evaluation mode, one image at a time); the caller keeps ownership.
/// </summary>
/// <param name="ClassNames">one name per output of a classifier; null: the outputs are numbered</param>
/// <param name="Name">shown as the page's title, e.g. the model file's name</param>
public sealed record ViewedModel(Graphs.Network Network, ImagePreprocessing Preprocessing, IReadOnlyList<string>? ClassNames = null, string Name = "model")
{
    /// <summary>A pretrained or imported model; without its own preprocessing, pixels are read as values in [0, 1] at the network's input size.</summary>
    public static ViewedModel From(PretrainedModel model, IReadOnlyList<string>? classNames = null, string? name = null) =>
        new(model.Network, model.Preprocessing ?? ImagePreprocessing.Default(model.Network.SampleShape), classNames, name ?? model.Name);
}
