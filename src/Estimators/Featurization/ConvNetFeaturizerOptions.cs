using MlNetConv.Backends;

namespace MlNetConv.Estimators;

/// <summary>Options of <c>ml.Transforms.ConvNetFeaturize</c>; every member has a default.</summary>
public sealed class ConvNetFeaturizerOptions
{
    /// <summary>
    /// The node whose output becomes the features. Null: the pretrained model's feature node, else the network's last
    /// hidden layer (the input of its final classifier), else its output.
    /// </summary>
    public string? FeatureNode { get; set; }

    /// <summary>Rows per forward pass.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>Where to score: the CPU when null.</summary>
    public Device? Device { get; set; }

    /// <summary>A backend created and disposed by the caller; it wins over <see cref="Device"/>.</summary>
    public IBackend? Backend { get; set; }

    /// <summary>A text column holding each row's image path, quoted in errors about unreadable images (if the column exists).</summary>
    public string? ImagePathColumnName { get; set; } = ConvNetOptions.Defaults.ImagePath;
}
