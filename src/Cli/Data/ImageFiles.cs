namespace MlNetConv.Cli.Data;

/// <summary>The image files of a folder, found by extension (what ML.NET's LoadImages decodes through SkiaSharp).</summary>
internal static class ImageFiles
{
    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];

    public static bool IsImage(string path) => Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>Every image below <paramref name="folder"/> (recursively), in ordinal path order so runs are repeatable.</summary>
    /// <exception cref="CliException">the folder does not exist</exception>
    public static List<string> Find(string folder, bool recursive = true)
    {
        if (!Directory.Exists(folder)) throw new CliException($"image folder '{folder}' does not exist.");
        var files = Directory.EnumerateFiles(folder, "*", new EnumerationOptions
        {
            RecurseSubdirectories = recursive, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
        }).Where(IsImage).ToList();
        files.Sort(StringComparer.Ordinal);
        return files;
    }
}
