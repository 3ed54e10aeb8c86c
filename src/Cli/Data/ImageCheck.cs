using Microsoft.ML.Data;

namespace MlNetConv.Cli.Data;

/// <summary>
/// Finds unreadable images by decoding them one by one with ML.NET's own decoder. ML.NET decodes images on parallel
/// cursors where it can, and an error there arrives without a row or a path ("Splitter/consolidator worker encountered
/// exception"); this names the file.
/// </summary>
internal static class ImageCheck
{
    /// <summary>Why <paramref name="path"/> cannot be decoded, or null when it can.</summary>
    public static string? Problem(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var image = MLImage.CreateFromStream(stream);
            return image.Width > 0 && image.Height > 0 ? null : "the image is empty";
        }
        catch (ArgumentException)
        {
            return "it cannot be decoded as an image";
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
        {
            return $"it cannot be decoded as an image ({e.Message.TrimEnd('.')})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e is FileNotFoundException or DirectoryNotFoundException ? "the file does not exist" : $"it cannot be read ({e.Message.TrimEnd('.')})";
        }
    }

    /// <summary>The first unreadable image of <paramref name="paths"/> from <paramref name="start"/> on, or null.</summary>
    public static (int Index, string Problem)? FirstBad(IReadOnlyList<string> paths, int start = 0)
    {
        for (int i = start; i < paths.Count; i++)
            if (Problem(paths[i]) is { } problem) return (i, problem);
        return null;
    }
}
