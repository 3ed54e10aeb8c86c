using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Backends;
using MlNetConv.Cli.Data;
using MlNetConv.Estimators;
using MlNetConv.Neighbours;
using MlNetConv.Plots;
using MlNetConv.Tensors;
using MlNetConv.Transforms;

namespace MlNetConv.Cli.Commands;

/// <summary>
/// <c>neighbours --model M --reference FOLDER --query FOLDER|IMAGE [--k 6] [--output grid.png]</c>, the lecture's AlexNet
/// slide: each query image and the k reference images closest to it in Euclidean distance of a network's features (its
/// last hidden layer by default, <c>--node</c> otherwise). The model is the ImageNet ResNet-18 (<c>resnet18</c>), an ONNX
/// file, or a model zip from <c>train</c> (<see cref="PretrainedExtensions.ToPretrained"/>); images are read as the model
/// reads them and featurized with <c>ConvNetFeaturize</c>; the search is exact (<see cref="NearestNeighbourIndex"/>).
/// Prints every query's neighbours (distance, path, label), precision@k over the queries that have labels, and writes a
/// PNG grid of the first queries (<see cref="NeighbourGrid"/>, atomically). A query that is one of the reference images is
/// not its own neighbour.
/// </summary>
internal sealed class NeighboursCommand
{
    public const int DefaultK = NearestNeighboursOptions.Defaults.K, DefaultGridRows = 20, DefaultBatchSize = 64;
    private const string Image = CliModel.Image, Features = CliModel.Features;

    public sealed record Settings(string Model, string Reference, IReadOnlyList<string> Queries, int K = DefaultK, string? Node = null, Shape? Input = null,
        string? Output = null, int GridRows = DefaultGridRows, Device? Device = null, int BatchSize = DefaultBatchSize,
        BadFilePolicy OnBadFile = BadFilePolicy.Skip, long MaxPixels = ImageFileCheck.DefaultMaxPixels);

    /// <summary>An image searched or searched for: its full path and its class (null for a query without one).</summary>
    public sealed record Item(string Path, string? Label);

    /// <summary>What a run found: the images in the order searched, each query's neighbours, and precision@k over the labelled queries.</summary>
    public sealed record Outcome(IReadOnlyList<Item> References, IReadOnlyList<Item> Queries, NeighbourResults Results, double? Precision, double? Chance,
        int LabelledQueries);

    private readonly CliConsole _console;
    private readonly Option<string> _model = new("--model", "-m")
    {
        Description = $"The network: {PretrainedSource.ResNet18} (the ImageNet ResNet-18 of the NuGet package {PretrainedModels.ResNet18Package}, at --input's size, "
            + "default 3x224x224), FILE.onnx (read with ImageNet's normalisation) or a model zip saved by 'mlnetconv train'",
        HelpName = "resnet18|FILE.onnx|model.zip",
        Required = true,
    };
    private readonly Option<string> _reference = new("--reference", "-r")
    {
        Description = "The images searched: a folder with one sub-folder per class (the label shown beside each neighbour)",
        HelpName = "FOLDER",
        Required = true,
    };
    private readonly Option<string[]> _query = new("--query", "-q")
    {
        Description = "Images to find neighbours of (repeatable): an image file, a folder with one sub-folder per class (labelled queries: precision@k "
            + "is printed), or any other folder (every image below it, unlabelled)",
        HelpName = "FOLDER|IMAGE",
        Required = true,
        Arity = ArgumentArity.OneOrMore,
    };
    private readonly Option<int> _k = new("--k") { Description = "Neighbours per query", HelpName = "K", DefaultValueFactory = _ => DefaultK };
    private readonly Option<string?> _node = new("--node")
    {
        Description = "The node whose output is compared (default: the last hidden layer, the input of the final classifier; for resnet18 its pooled features)",
        HelpName = "NODE",
    };
    private readonly Option<Shape?> _input = CliOptions.Input("With resnet18, the size images are resized to (3xSxS, S at least 32; default 3x224x224); "
        + "with an ONNX file whose input size is open, its input");
    private readonly Option<string?> _output = new("--output", "-o") { Description = "Write a PNG grid: each query, then its neighbours with label and distance", HelpName = "grid.png" };
    private readonly Option<int> _gridRows = new("--grid-rows")
    {
        Description = "Queries drawn in the grid, the first ones",
        HelpName = "N",
        DefaultValueFactory = _ => DefaultGridRows,
    };
    private readonly Option<Device> _device = CliOptions.Device();
    private readonly Option<int> _batchSize = CliOptions.BatchSize(DefaultBatchSize, "Images per forward pass");
    private readonly Option<BadFilePolicy> _onBadFile = CliOptions.OnBadFile(BadFilePolicy.Skip,
        "A bad reference or query image (truncated, corrupt, over the pixel limit): skip it (reported by path and counted) or fail (exit 1, naming them)");
    private readonly Option<double> _maxMegapixels = CliOptions.MaxMegapixels();

    public NeighboursCommand(CliConsole console)
    {
        _console = console;
        _k.Validators.Add(r => { if (r.GetValueOrDefault<int>() <= 0) r.AddError($"--k must be positive, got {r.GetValueOrDefault<int>()}."); });
        _gridRows.Validators.Add(r => { if (r.GetValueOrDefault<int>() <= 0) r.AddError($"--grid-rows must be positive, got {r.GetValueOrDefault<int>()}."); });
        Command = new Command("neighbours", "For each query image, the k reference images nearest to it in a network's features (Euclidean distance of the last "
            + "hidden layer), with precision@k for labelled queries and a PNG grid")
        {
            _model, _reference, _query, _k, _node, _input, _output, _gridRows, _device, _batchSize, _onBadFile, _maxMegapixels,
        };
        Command.SetAction(p => Run(Bind(p)));
    }

    public Command Command { get; }

    public Settings Bind(ParseResult p) => new(p.GetRequiredValue(_model), p.GetRequiredValue(_reference), p.GetRequiredValue(_query), p.GetValue(_k),
        p.GetValue(_node), p.GetValue(_input), p.GetValue(_output), p.GetValue(_gridRows), p.GetValue(_device), p.GetValue(_batchSize), p.GetValue(_onBadFile),
        CliOptions.Pixels(p.GetValue(_maxMegapixels)));

    public int Run(Settings s)
    {
        var outcome = Find(s);
        var inv = CultureInfo.InvariantCulture;
        var o = _console.Out;
        for (int q = 0; q < outcome.Queries.Count; q++)
        {
            o.WriteLine($"query {Describe(outcome.Queries[q])}");
            var indices = outcome.Results.IndicesOf(q);
            var distances = outcome.Results.DistancesOf(q);
            for (int j = 0; j < indices.Length; j++)
                o.WriteLine($"  {j + 1,2}  {distances[j].ToString("F4", inv)}  {Describe(outcome.References[indices[j]])}");
        }
        if (outcome.Precision is { } precision)
            o.WriteLine($"precision@{s.K}: {precision.ToString("F4", inv)} over {outcome.LabelledQueries} labelled queries "
                + $"(neighbours drawn at random: {outcome.Chance!.Value.ToString("F4", inv)})");
        if (s.Output is { } grid)
        {
            int rows = WriteGrid(grid, outcome, s.GridRows);
            o.WriteLine($"wrote {grid}: {rows} of {outcome.Queries.Count} queries with {s.K} neighbours each");
        }
        return ExitCodes.Ok;
    }

    private static string Describe(Item item) => item.Label is null ? $"'{item.Path}'" : $"'{item.Path}' ({item.Label})";

    /// <summary>Loads the model and the images, featurizes them and searches; prints what it reads, not the results.</summary>
    public Outcome Find(Settings s)
    {
        bool zip = s.Model.EndsWith(".zip", StringComparison.OrdinalIgnoreCase);
        if (!zip && !s.Model.Equals(PretrainedSource.ResNet18, StringComparison.OrdinalIgnoreCase) && !s.Model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            throw new CliException($"--model {s.Model}: give '{PretrainedSource.ResNet18}', an ONNX file (FILE.onnx) or a model zip saved by 'mlnetconv train' (model.zip).",
                ExitCodes.Usage);
        if (zip && s.Input is not null)
            throw new CliException("--input goes with resnet18 or an ONNX file: a model zip reads images at the size it was trained on.", ExitCodes.Usage);
        if (!Directory.Exists(s.Reference)) throw new CliException($"reference folder '{s.Reference}' does not exist.");
        var ml = new MLContext(seed: 0);

        var reference = DataLoader.CheckImages(ml, DataLoader.Load(ml, new ImageFolderSpec(s.Reference), _console), s.OnBadFile, s.MaxPixels, _console);
        var references = Items(reference, labelled: true);
        var classes = reference.Labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        var querySets = s.Queries.Select(q => DataLoader.LoadQueries(ml, q, _console))
            .Select(q => (Data: DataLoader.CheckImages(ml, q.Data, s.OnBadFile, s.MaxPixels, _console), q.Labelled)).ToList();
        var queries = querySets.SelectMany(q => Items(q.Data, q.Labelled)).ToList();
        var unknown = queries.Select(q => q.Label).OfType<string>().Where(l => !classes.ContainsKey(l)).Distinct().ToList();
        if (unknown.Count > 0)
            _console.Warn($"query label(s) {string.Join(", ", unknown.Take(10))} are no class of the reference '{reference.Source}': no neighbour of those queries shares it.");
        var excluded = Excluded(queries, references, s.K, reference.Source);

        var model = LoadModel(ml, s);
        string? node = FeatureNode(model, s.Node);
        var image = model.Preprocessing ?? throw new CliException($"{model.Name} does not read images.");
        var (backend, _) = Devices.Create(s.Device ?? Device.Cpu);
        _console.Out.WriteLine($"{model.Name}: features at {(node is null ? "its output" : $"'{node}'")}, images read as {image}; "
            + $"{references.Count} reference images in {reference.Labels.Count} classes, {queries.Count} queries");

        var featurizer = ml.Transforms.LoadImages(Image, imageFolder: null, CliModel.ImagePath)
            .Append(image.Resize(ml, Image))
            .Append(ml.Transforms.ConvNetFeaturize(Features, Image, model, new ConvNetFeaturizerOptions
            {
                FeatureNode = node, BatchSize = s.BatchSize, Backend = backend, ImagePathColumnName = CliModel.ImagePath,
            }))
            .Fit(reference.View);
        var (referenceVectors, queryVectors, d) = ProgressBars.Run(_console, bars =>
        {
            var (r, dimension) = Vectors(featurizer, reference, bars, "reference");
            var q = new List<float>();
            foreach (var (data, _) in querySets) q.AddRange(Vectors(featurizer, data, bars, "query").Values);
            return (r, q.ToArray(), dimension);
        });

        using var index = new NearestNeighbourIndex(backend, referenceVectors, d, [.. references.Select(r => classes[r.Label!])]);
        var results = index.Search(queryVectors, s.K, excluded);
        var (precision, chance, labelled) = Precision(index, results, queries, classes, references);
        return new Outcome(references, queries, results, precision, chance, labelled);
    }

    /// <summary>Per query the reference row of its own image, left out of its search, or -1.</summary>
    /// <exception cref="CliException">k is more than the reference rows a query can find</exception>
    private static int[] Excluded(List<Item> queries, List<Item> references, int k, string source)
    {
        var row = references.Select((r, i) => (r.Path, i)).ToDictionary(x => x.Path, x => x.i, StringComparer.Ordinal);
        var excluded = queries.Select(q => row.GetValueOrDefault(q.Path, -1)).ToArray();
        int available = excluded.Any(e => e >= 0) ? references.Count - 1 : references.Count;
        if (k > available)
            throw new CliException($"--k {k} is more than the {references.Count} reference image(s) in '{source}'"
                + (available < references.Count ? ", less the query's own image where a query is one of them" : "") + ".", ExitCodes.Usage);
        return excluded;
    }

    /// <summary><paramref name="node"/> when the network has it, else the model's default (null: its output).</summary>
    /// <exception cref="CliException">the network has no such node; the message lists those it has</exception>
    private static string? FeatureNode(PretrainedModel model, string? node)
    {
        if (node is null) return model.DefaultFeatureNode;
        try
        {
            model.Through(node);
            return node;
        }
        catch (ArgumentException e)
        {
            throw new CliException($"--node {node}: {char.ToLowerInvariant(e.Message[0])}{e.Message[1..]}", ExitCodes.Usage, e);
        }
    }

    /// <summary>The network: resnet18 or an ONNX file as <c>train --pretrained</c> reads them, or a trained model zip with its own image reading.</summary>
    private static PretrainedModel LoadModel(MLContext ml, Settings s)
    {
        if (!s.Model.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) return PretrainedSource.Load(s.Model, s.Input, "--model");
        var loaded = CliModel.Load(ml, s.Model, Device.Cpu, batchSize: null);
        return loaded.Classifier.ToPretrained(imagePreprocessing: ModelImageReading.Of(loaded), name: $"model '{s.Model}'");
    }

    /// <summary>The rows of <paramref name="data"/> in order: full path, and the label when the rows have classes.</summary>
    private static List<Item> Items(LabeledData data, bool labelled)
    {
        var items = new List<Item>(data.Count);
        var view = data.View;
        using var cursor = view.GetRowCursor([view.Schema[CliModel.Label], view.Schema[CliModel.ImagePath]]);
        var getLabel = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema[CliModel.Label]);
        var getPath = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema[CliModel.ImagePath]);
        ReadOnlyMemory<char> label = default, path = default;
        while (cursor.MoveNext())
        {
            getLabel(ref label);
            getPath(ref path);
            items.Add(new Item(path.ToString(), labelled ? label.ToString() : null));
        }
        return items;
    }

    /// <summary>(rows, d) the feature vectors of <paramref name="data"/>'s images, in row order.</summary>
    private static (float[] Values, int Dimension) Vectors(ITransformer featurizer, LabeledData data, ProgressBars bars, string role)
    {
        var bar = bars.Add($"features of {data.Count} {role} images", data.Count);
        var values = data.NamingBadImages(() =>
        {
            var view = featurizer.Transform(data.View);
            var column = view.Schema[Features];
            int d = ((VectorDataViewType)column.Type).Size;
            var result = new float[(long)data.Count * d];
            using var cursor = view.GetRowCursor([column]);
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> buffer = default;
            int row = 0;
            while (cursor.MoveNext())
            {
                getter(ref buffer);
                buffer.CopyTo(result.AsSpan(row++ * d, d));
                bar?.Increment(1);
            }
            return (result, d);
        });
        bar?.StopTask();
        return values;
    }

    /// <summary>
    /// Precision@k over the queries with a label (a label the reference lacks counts as no hit), and what neighbours drawn at
    /// random would give: the mean share of reference images of each query's class.
    /// </summary>
    private static (double? Precision, double? Chance, int Labelled) Precision(NearestNeighbourIndex index, NeighbourResults results, List<Item> queries,
        Dictionary<string, int> classes, List<Item> references)
    {
        var labelled = Enumerable.Range(0, queries.Count).Where(q => queries[q].Label is not null).ToList();
        if (labelled.Count == 0) return (null, null, 0);
        int k = results.K;
        var queryLabels = labelled.Select(q => classes.GetValueOrDefault(queries[q].Label!, -1)).ToArray();
        var neighbourLabels = labelled.SelectMany(q => index.LabelsOf(results.IndicesOf(q))).ToArray();
        var perClass = references.GroupBy(r => r.Label!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        double chance = labelled.Average(q => (double)perClass.GetValueOrDefault(queries[q].Label!) / references.Count);
        return (RetrievalMetrics.PrecisionAtK(queryLabels, neighbourLabels, k), chance, labelled.Count);
    }

    /// <summary>The first <paramref name="most"/> queries and their neighbours as a PNG; returns the rows drawn.</summary>
    private static int WriteGrid(string path, Outcome outcome, int most)
    {
        var results = outcome.Results;
        int count = Math.Min(most, results.Count), k = results.K;
        var first = new NeighbourResults(count, k, results.Indices[..(count * k)], results.Distances[..(count * k)]);
        var queries = outcome.Queries.Take(count).ToList();
        var rows = NeighbourGrid.Rows(first, new GridImageFiles([.. queries.Select(q => q.Path)]), new GridImageFiles([.. outcome.References.Select(r => r.Path)]),
            [.. queries.Select(q => q.Label ?? "")], [.. outcome.References.Select(r => r.Label ?? "")]);
        NeighbourGrid.Write(path, rows);
        return count;
    }

    /// <summary>Image files as grid images, each decoded when first drawn (a grid shows few of the reference images).</summary>
    private sealed class GridImageFiles(string[] paths) : IReadOnlyList<GridImage>
    {
        private readonly GridImage?[] _images = new GridImage?[paths.Length];

        public int Count => paths.Length;
        public GridImage this[int index] => _images[index] ??= GridImage.FromFile(paths[index]);
        public IEnumerator<GridImage> GetEnumerator() => Enumerable.Range(0, Count).Select(i => this[i]).GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
