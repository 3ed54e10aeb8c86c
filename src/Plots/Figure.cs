using MlNetConv.Persistence;
using SkiaSharp;

namespace MlNetConv.Plots;

/// <summary>
/// A picture drawn in whole pixels with the built-in font (<see cref="BitmapFont"/>): the same input gives the same PNG
/// bytes on every machine. Its inputs are checked when it is drawn, with a message naming what is wrong.
/// </summary>
public abstract class Figure
{
    /// <summary>Draws the figure (after checking its inputs).</summary>
    internal abstract Raster Draw();

    /// <summary>The figure as a bitmap (RGBA, opaque); the caller disposes it.</summary>
    public SKBitmap Render() => Draw().ToBitmap();

    /// <summary>The figure as PNG bytes.</summary>
    public byte[] ToPng() => Draw().EncodePng();

    /// <summary>
    /// Writes the figure to <paramref name="path"/> as a PNG (its folder is created if needed), drawn in full first, then
    /// written to a temporary file renamed into place: a failure leaves no file, or the previous one, behind.
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] png = ToPng();
        using var file = AtomicFile.Create(path);
        file.Stream.Write(png);
        file.Commit();
    }
}
