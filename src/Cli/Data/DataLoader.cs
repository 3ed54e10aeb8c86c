using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Data;
using MlNetConv.Tensors;
using MlNetConv.Transforms;

namespace MlNetConv.Cli.Data;

/// <summary>Turns a <c>--data</c> value into labeled rows: an image folder into image paths, IDX files into pixels.</summary>
internal static class DataLoader
{
    public static LabeledData Load(MLContext ml, DataSpec spec, CliConsole console) => spec switch
    {
        ImageFolderSpec folder => LoadFolder(ml, folder.Folder, console),
        IdxSpec idx => LoadIdx(ml, idx),
        _ => throw new ArgumentOutOfRangeException(nameof(spec)),
    };

    /// <summary>One class per sub-folder (its name is the label), every image below it one row.</summary>
    private static LabeledData LoadFolder(MLContext ml, string folder, CliConsole console)
    {
        if (!Directory.Exists(folder)) throw new CliException($"data folder '{folder}' does not exist.");
        var loose = ImageFiles.Find(folder, recursive: false);
        if (loose.Count > 0)
            console.Warn($"{loose.Count} image(s) directly in '{folder}' are left out: put each image in a sub-folder named after its class.");
        var rows = new List<ImagePathRow>();
        var labels = new List<string>();
        foreach (string classFolder in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
        {
            string label = Path.GetFileName(classFolder);
            var files = ImageFiles.Find(classFolder);
            if (files.Count == 0)
            {
                console.Warn($"class folder '{classFolder}' holds no images ({string.Join(", ", ImageFiles.Extensions)}).");
                continue;
            }
            labels.Add(label);
            rows.AddRange(files.Select(f => new ImagePathRow { Label = label, ImagePath = Path.GetFullPath(f) }));
        }
        if (rows.Count == 0)
            throw new CliException($"data folder '{folder}' has no images in class sub-folders (expected {folder}/<class>/<image>.png and the like).");
        return new LabeledData(ml.Data.LoadFromEnumerable(rows), null, rows.Count, labels, folder, [.. rows.Select(r => r.ImagePath)]);
    }

    /// <summary>
    /// Images to search for (<c>neighbours --query</c>): an image file, a folder whose images all lie in class sub-folders
    /// (labelled, as <c>--data</c> reads it), or any other folder, every image below it a query without a label (the
    /// label column empty).
    /// </summary>
    /// <exception cref="CliException">no such file or folder, a file that is not an image, or a folder without images</exception>
    public static (LabeledData Data, bool Labelled) LoadQueries(MLContext ml, string source, CliConsole console)
    {
        if (File.Exists(source))
        {
            if (!ImageFiles.IsImage(source))
                throw new CliException($"query '{source}' is not an image file ({string.Join(", ", ImageFiles.Extensions)}).");
            return (Unlabelled(ml, [source], source), false);
        }
        if (!Directory.Exists(source)) throw new CliException($"query '{source}' is neither an image file nor a folder.");
        if (ImageFiles.Find(source, recursive: false).Count == 0 && Directory.GetDirectories(source).Any(d => ImageFiles.Find(d).Count > 0))
            return (LoadFolder(ml, source, console), true);
        var files = ImageFiles.Find(source);
        if (files.Count == 0) throw new CliException($"query folder '{source}' holds no images ({string.Join(", ", ImageFiles.Extensions)}).");
        return (Unlabelled(ml, files, source), false);
    }

    private static LabeledData Unlabelled(MLContext ml, IReadOnlyList<string> files, string source)
    {
        var rows = files.Select(f => new ImagePathRow { ImagePath = Path.GetFullPath(f) }).ToList();
        return new LabeledData(ml.Data.LoadFromEnumerable(rows), null, rows.Count, [], source, [.. rows.Select(r => r.ImagePath)]);
    }

    /// <summary>
    /// Checks every image of an image folder strictly (<see cref="ImageCheck"/>) before anything is trained or scored. In
    /// fail mode any bad image stops the run, naming the first ones and giving their total; in skip mode each is reported
    /// by path and left out, and their number is printed.
    /// </summary>
    public static LabeledData CheckImages(MLContext ml, LabeledData data, BadFilePolicy policy, long maxPixels, CliConsole console)
    {
        if (data.ImagePaths is not { } paths) return data;
        data = data with { MaxPixels = maxPixels };
        var bad = ImageCheck.AllBad(paths, maxPixels);
        ImageCheck.NoteTransparency(paths, data.Source, console);
        if (bad.Count == 0) return data;
        if (policy == BadFilePolicy.Fail) throw ImageCheck.Failure([.. bad.Select(b => (paths[b.Index], b.Problem))], data.Source);
        foreach (var (index, problem) in bad) console.Warn($"skipped bad image '{paths[index]}': {problem}.");
        console.Out.WriteLine($"skipped {bad.Count} bad image(s) of {paths.Count} in '{data.Source}'");
        var badRows = bad.Select(b => b.Index).ToHashSet();
        var rows = new List<ImagePathRow>();
        using (var cursor = data.View.GetRowCursor(data.View.Schema))
        {
            var getLabel = cursor.GetGetter<ReadOnlyMemory<char>>(data.View.Schema[CliModel.Label]);
            ReadOnlyMemory<char> label = default;
            for (int i = 0; cursor.MoveNext(); i++)
            {
                if (badRows.Contains(i)) continue;
                getLabel(ref label);
                rows.Add(new ImagePathRow { Label = label.ToString(), ImagePath = paths[i] });
            }
        }
        if (rows.Count == 0) throw new CliException($"every image in '{data.Source}' is bad.");
        var labels = rows.Select(r => r.Label).Distinct().Order(StringComparer.Ordinal).ToList();
        return data with { View = ml.Data.LoadFromEnumerable(rows), Count = rows.Count, Labels = labels, ImagePaths = [.. rows.Select(r => r.ImagePath)] };
    }

    /// <summary>IDX images (count, rows, columns) and labels (count) as grey (1, rows, columns) pixels in [0, 1] with the label's number as text.</summary>
    private static LabeledData LoadIdx(MLContext ml, IdxSpec spec)
    {
        IdxFile images, labels;
        try
        {
            images = IdxFile.ReadImages(spec.Images);
            labels = IdxFile.ReadLabels(spec.Labels);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new CliException(e.Message, ExitCodes.BadInput, e);
        }
        if (images.Count != labels.Count)
            throw new CliException($"IDX files do not match: '{spec.Images}' has {images.Count} images, '{spec.Labels}' has {labels.Count} labels.");
        int rowsPerImage = images.Dimensions[1], columns = images.Dimensions[2], size = rowsPerImage * columns, count = images.Count;
        var shape = new Shape(1, rowsPerImage, columns);
        var convention = ImagePreprocessing.Default(shape);
        var names = Enumerable.Range(0, 256).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var pixels = images.Data;
        var labelBytes = labels.Data;

        IEnumerable<PixelRow> Rows()
        {
            for (int i = 0; i < count; i++)
            {
                var features = new float[size];
                convention.ReadGrey(pixels.Span.Slice(i * size, size), features);
                yield return new PixelRow { Label = names[labelBytes.Span[i]], Features = features };
            }
        }

        var schema = SchemaDefinition.Create(typeof(PixelRow));
        schema[nameof(PixelRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, rowsPerImage, columns);
        var distinct = labelBytes.ToArray().Distinct().Select(b => names[b]).Order(StringComparer.Ordinal).ToList();
        return new LabeledData(ml.Data.LoadFromEnumerable(Rows(), schema), shape, count, distinct, spec.ToString());
    }
}

/// <summary>A row of an image folder: the class (its sub-folder's name) and the image's full path.</summary>
internal sealed class ImagePathRow
{
    public string Label { get; set; } = "";
    public string ImagePath { get; set; } = "";
}

/// <summary>A row of IDX data: the label as text and the pixels, planar (1, rows, columns), in [0, 1].</summary>
internal sealed class PixelRow
{
    public string Label { get; set; } = "";
    public float[] Features { get; set; } = [];
}
