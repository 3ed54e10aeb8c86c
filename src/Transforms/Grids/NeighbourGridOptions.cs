namespace MlNetConv.Transforms;

/// <summary>How a <see cref="NeighbourGrid"/> is drawn.</summary>
public sealed record NeighbourGridOptions
{
    public static NeighbourGridOptions Default { get; } = new();

    /// <summary>The square each image is scaled into, in pixels: smaller images grow by a whole factor (28x28 digits to 84x84), larger ones shrink to fit. Default 84.</summary>
    public int ImageSize { get; init; } = 84;

    /// <summary>Pixels per font pixel of the 5x7 font. Default 2.</summary>
    public int TextScale { get; init; } = 2;

    /// <summary>The header of the query column; the neighbours' columns are numbered. Default "query".</summary>
    public string QueryTitle { get; init; } = "query";

    /// <summary>Decimals of the distances written. Default 2.</summary>
    public int DistanceDecimals { get; init; } = 2;

    internal void Validate()
    {
        if (ImageSize is < 8 or > 1024) throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, "NeighbourGridOptions.ImageSize must be 8 to 1024 pixels.");
        if (TextScale is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(TextScale), TextScale, "NeighbourGridOptions.TextScale must be 1 to 8.");
        if (DistanceDecimals is < 0 or > 9) throw new ArgumentOutOfRangeException(nameof(DistanceDecimals), DistanceDecimals, "NeighbourGridOptions.DistanceDecimals must be 0 to 9.");
        ArgumentNullException.ThrowIfNull(QueryTitle, nameof(QueryTitle));
    }
}
