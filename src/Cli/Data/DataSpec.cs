namespace MlNetConv.Cli.Data;

/// <summary>
/// The value of <c>--data</c>: an image folder with one sub-folder per class, or <c>idx:IMAGES,LABELS</c>, a pair of IDX
/// files (MNIST, Fashion-MNIST; plain or gzip). Paths are relative to the current directory.
/// </summary>
internal abstract record DataSpec
{
    public const string IdxPrefix = "idx:";

    /// <exception cref="FormatException">an <c>idx:</c> value without exactly two file names</exception>
    public static DataSpec Parse(string text)
    {
        if (!text.StartsWith(IdxPrefix, StringComparison.OrdinalIgnoreCase)) return new ImageFolderSpec(text);
        var files = text[IdxPrefix.Length..].Split(',', StringSplitOptions.TrimEntries);
        if (files.Length != 2 || files.Any(string.IsNullOrEmpty))
            throw new FormatException($"--data idx: takes two files, images then labels (idx:train-images.idx3-ubyte,train-labels.idx1-ubyte), got '{text}'.");
        return new IdxSpec(files[0], files[1]);
    }
}

/// <summary>A folder whose sub-folders are the classes; every image below a sub-folder (at any depth) is one of its rows.</summary>
internal sealed record ImageFolderSpec(string Folder) : DataSpec
{
    public override string ToString() => Folder;
}

/// <summary>An IDX images file (count, rows, columns) and its labels file (count).</summary>
internal sealed record IdxSpec(string Images, string Labels) : DataSpec
{
    public override string ToString() => $"{IdxPrefix}{Images},{Labels}";
}
