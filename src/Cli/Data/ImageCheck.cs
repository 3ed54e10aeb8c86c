using MlNetConv.Estimators;

namespace MlNetConv.Cli.Data;

/// <summary>
/// Finds bad images before ML.NET decodes them: every file is decoded strictly (<see cref="ImageFileCheck"/>: the pixel
/// limit from the header, then every row), because ML.NET's own decoder scores truncated files as partial pictures
/// and reports the files it cannot decode from parallel cursors without a row or a path.
/// </summary>
internal static class ImageCheck
{
    /// <summary>How many bad files an error lists by name before it gives only their number.</summary>
    public const int ListedInErrors = 10;

    /// <summary>Every bad image of <paramref name="paths"/> with why, in path order; the files are decoded on all cores.</summary>
    public static List<(int Index, string Problem)> AllBad(IReadOnlyList<string> paths, long maxPixels)
    {
        var problems = new string?[paths.Count];
        Parallel.For(0, paths.Count, i => problems[i] = ImageFileCheck.Problem(paths[i], maxPixels));
        return [.. problems.Select((p, i) => (i, p)).Where(x => x.p is not null).Select(x => (x.i, x.p!))];
    }

    /// <summary>Says once how many images have an alpha channel and how their transparent areas are read.</summary>
    public static void NoteTransparency(IReadOnlyList<string> paths, string source, CliConsole console)
    {
        int withAlpha = 0;
        Parallel.For(0, paths.Count, i =>
        {
            if (ImageFileCheck.HasAlpha(paths[i])) Interlocked.Increment(ref withAlpha);
        });
        if (withAlpha > 0)
            console.Warn($"{withAlpha} image(s) in '{source}' have an alpha channel: transparent areas are read composited over black.");
    }

    /// <summary>The first bad image of <paramref name="paths"/> from <paramref name="start"/> on, or null.</summary>
    public static (int Index, string Problem)? FirstBad(IReadOnlyList<string> paths, long maxPixels, int start = 0)
    {
        for (int i = start; i < paths.Count; i++)
            if (ImageFileCheck.Problem(paths[i], maxPixels) is { } problem) return (i, problem);
        return null;
    }

    /// <summary>The error of fail mode: the total, then the first <see cref="ListedInErrors"/> files by name with why.</summary>
    public static CliException Failure(IReadOnlyList<(string Path, string Problem)> bad, string source)
    {
        var lines = bad.Take(ListedInErrors).Select(b => $"  '{b.Path}': {b.Problem}.");
        string more = bad.Count > ListedInErrors ? $"\n  ... and {bad.Count - ListedInErrors} more." : "";
        string first = bad.Count == 1 ? $"bad image in '{source}' (--on-bad-file skip leaves bad images out):" : $"{bad.Count} bad images in '{source}' (--on-bad-file skip leaves them out):";
        return new CliException($"{first}\n{string.Join('\n', lines)}{more}");
    }
}
