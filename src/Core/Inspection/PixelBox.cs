namespace MlNetConv.Inspection;

/// <summary>An inclusive rectangle of input pixels: rows <see cref="Top"/>..<see cref="Bottom"/>, columns <see cref="Left"/>..<see cref="Right"/>.</summary>
public readonly record struct PixelBox(int Top, int Left, int Bottom, int Right)
{
    public int Height => Bottom - Top + 1;
    public int Width => Right - Left + 1;

    /// <summary>The smallest box holding both.</summary>
    public PixelBox Union(PixelBox other) =>
        new(Math.Min(Top, other.Top), Math.Min(Left, other.Left), Math.Max(Bottom, other.Bottom), Math.Max(Right, other.Right));

    /// <summary>The part inside an image of <paramref name="height"/> x <paramref name="width"/>.</summary>
    public PixelBox ClampTo(int height, int width) =>
        new(Math.Max(0, Top), Math.Max(0, Left), Math.Min(height - 1, Bottom), Math.Min(width - 1, Right));

    public override string ToString() => $"rows {Top}..{Bottom}, columns {Left}..{Right}";
}
