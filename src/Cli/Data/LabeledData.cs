using Microsoft.ML;
using MlNetConv.Tensors;

namespace MlNetConv.Cli.Data;

/// <summary>
/// Labeled rows as an ML.NET view in one of the two layouts the command line's models read: image paths
/// (<c>Label</c>, <c>ImagePath</c>: decoded by the model's LoadImages step) or pixels (<c>Label</c>, <c>Features</c> as
/// planar (C, H, W) floats in [0, 1]: they enter after the model's image steps).
/// </summary>
/// <param name="PixelShape">(C, H, W) of the pixel layout; null for image paths</param>
/// <param name="Labels">the distinct labels, in ordinal order</param>
/// <param name="ImagePaths">the full path of every row's image; null for pixels</param>
/// <param name="MaxPixels">the pixel limit the images were checked against</param>
internal sealed record LabeledData(IDataView View, Shape? PixelShape, int Count, IReadOnlyList<string> Labels, string Source, IReadOnlyList<string>? ImagePaths = null,
    long MaxPixels = Estimators.ImageFileCheck.DefaultMaxPixels)
{
    public bool IsPixels => PixelShape is not null;

    /// <summary>
    /// Runs <paramref name="work"/> over the rows; when it fails on an image folder (where ML.NET's parallel cursors
    /// lose the row and path: a file changed after the check), the error names the first image that cannot be decoded.
    /// </summary>
    public T NamingBadImages<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (InvalidOperationException e) when (e is not Estimators.BadRowException && ImagePaths is { } paths && ImageCheck.FirstBad(paths, MaxPixels) is { } bad)
        {
            throw new CliException($"bad image '{paths[bad.Index]}': {bad.Problem}.", ExitCodes.BadInput, e);
        }
    }
}
