using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Backends;
using MlNetConv.Cli.Data;
using MlNetConv.Distributed;
using MlNetConv.Estimators;
using MlNetConv.Persistence;

namespace MlNetConv.Cli.Commands;

/// <summary>
/// <c>score MODEL FOLDER --output scores.csv</c>: batch-scores every image below a folder with the batched transformer
/// (<c>LoadedModels.WithBatchedScoring</c>) into a CSV file (path, predicted label, one column per class). A bad image
/// (corrupt, unreadable, vanished) is reported by path and skipped and counted, or stops the run, as
/// <c>--on-bad-file</c> says. The CSV is written to a temporary file and renamed into place, so a failed run leaves none.
/// With <c>--distributed</c>, under <c>mpirun -np N</c>, each rank scores its contiguous share of the sorted files into
/// memory and rank 0 gathers the rows in rank order and writes the one file: the same bytes as one process writes.
/// </summary>
internal sealed class ScoreCommand
{
    public sealed record Settings(string Model, string Folder, string Output, BadFilePolicy OnBadFile, int? BatchSize, Device Device,
        long MaxPixels = Estimators.ImageFileCheck.DefaultMaxPixels, bool Distributed = false);

    /// <summary>How a run went.</summary>
    public sealed record Outcome(int Scored, IReadOnlyList<(string Path, string Problem)> BadFiles, TimeSpan Elapsed)
    {
        public double ImagesPerSecond => Scored / Math.Max(Elapsed.TotalSeconds, 1e-9);
    }

    /// <summary>The console; <see cref="CliConsole.Quiet"/> on the ranks of a distributed run other than 0.</summary>
    private CliConsole _console;
    private readonly Argument<string> _model = new("model") { Description = "A model zip saved by 'mlnetconv train'" };
    private readonly Argument<string> _folder = new("folder") { Description = "The folder of images to score (searched recursively: " + string.Join(", ", ImageFiles.Extensions) + ")" };
    private readonly Option<string> _output = new("--output", "-o") { Description = "The CSV file to write", HelpName = "scores.csv", Required = true };
    private readonly Option<BadFilePolicy> _onBadFile = CliOptions.OnBadFile(BadFilePolicy.Skip, "A bad image (truncated, corrupt, over the pixel limit): skip it (reported by path and counted) or fail (exit 1, naming them)");
    private readonly Option<int?> _batchSize = new("--batch-size") { Description = "Images per forward pass (default: the model's, 256)", HelpName = "N" };
    private readonly Option<Device> _device = CliOptions.Device();
    private readonly Option<double> _maxMegapixels = CliOptions.MaxMegapixels();
    private readonly Option<bool> _distributed = CliOptions.Distributed(
        "Score as one rank of an MPI job ('mpirun -np N mlnetconv score … --distributed', or srun): each rank scores its share of the images and rank 0 "
        + "writes the one file, in the order one process writes it (Open MPI's libmpi.so.40)");

    public ScoreCommand(CliConsole console)
    {
        _console = console;
        _batchSize.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is <= 0) r.AddError($"--batch-size must be positive, got {r.GetValueOrDefault<int?>()}."); });
        Command = new Command("score", "Batch-score every image in a folder into a CSV file of predicted labels and class scores")
        {
            _model, _folder, _output, _onBadFile, _batchSize, _device, _maxMegapixels, _distributed,
        };
        Command.SetAction(p => Run(Bind(p)));
    }

    public Command Command { get; }

    public Settings Bind(ParseResult p) => new(
        p.GetRequiredValue(_model), p.GetRequiredValue(_folder), p.GetRequiredValue(_output), p.GetValue(_onBadFile), p.GetValue(_batchSize), p.GetValue(_device),
        CliOptions.Pixels(p.GetValue(_maxMegapixels)), p.GetValue(_distributed));

    public int Run(Settings s)
    {
        var outcome = Score(s);
        var inv = CultureInfo.InvariantCulture;
        _console.Out.WriteLine($"wrote {s.Output}: {outcome.Scored} rows");
        if (outcome.BadFiles.Count > 0) _console.Out.WriteLine($"skipped {outcome.BadFiles.Count} bad file(s)");
        _console.Out.WriteLine($"scored {outcome.Scored} images in {outcome.Elapsed.TotalSeconds.ToString("F2", inv)} s: {outcome.ImagesPerSecond.ToString("F0", inv)} images/s");
        return ExitCodes.Ok;
    }

    public Outcome Score(Settings s)
    {
        var job = s.Distributed ? MpiCommunicator.Start() : null;
        if (job is { Rank: > 0 }) _console = CliConsole.Quiet;
        var ml = new MLContext(seed: 0);
        var model = CliModel.Load(ml, s.Model, s.Device, s.BatchSize);
        var files = ImageFiles.Find(s.Folder);
        if (files.Count == 0) throw new CliException($"no images ({string.Join(", ", ImageFiles.Extensions)}) in '{s.Folder}'.");
        var fullPaths = files.Select(Path.GetFullPath).ToArray();
        if (job is not null) return ScoreShare(job, ml, model, files, fullPaths, s);

        using var file = AtomicFile.Create(s.Output);
        Outcome outcome;
        using (var writer = new StreamWriter(file.Stream, Utf8, leaveOpen: true))
        {
            WriteHeader(writer, model);
            outcome = ProgressBars.Run(_console, bars => ScoreAll(ml, model, files, fullPaths, s.OnBadFile, s.MaxPixels, s.Folder, writer, bars));
        }
        file.Commit();
        return outcome;
    }

    private static void WriteHeader(StreamWriter writer, LoadedModel model) => writer.WriteLine(Csv.Line(["path", "predicted_label", .. model.Classifier.ClassNames]));

    /// <summary>
    /// One rank's part of a distributed run: files [r·n/N, (r+1)·n/N) scored into memory, then every rank's rows gathered
    /// on rank 0 in rank order, which is the files' order, and written there atomically. Rank 0 reports the other ranks'
    /// bad files too and returns the job's outcome; the other ranks return their own.
    /// </summary>
    private Outcome ScoreShare(ICommunicator job, MLContext ml, LoadedModel model, List<string> files, string[] fullPaths, Settings s)
    {
        var clock = Stopwatch.StartNew();
        int first = (int)((long)job.Rank * files.Count / job.Size), end = (int)((long)(job.Rank + 1) * files.Count / job.Size);
        var rows = new MemoryStream();
        Outcome mine;
        using (var writer = new StreamWriter(rows, Utf8, leaveOpen: true))
            mine = ProgressBars.Run(_console, bars => ScoreAll(ml, model, files.GetRange(first, end - first), fullPaths[first..end], s.OnBadFile, s.MaxPixels, s.Folder, writer, bars));
        byte[]? all = job.Gather(rows.GetBuffer().AsSpan(0, (int)rows.Length), 0);
        string othersBad = job.Rank == 0 ? "" : string.Concat(mine.BadFiles.Select(b => $"{b.Path}\t{b.Problem}\n"));
        byte[]? bad = job.Gather(Utf8.GetBytes(othersBad), 0);
        int scored = (int)job.Sum(mine.Scored);
        if (all is null) return mine;

        var badFiles = mine.BadFiles.Concat(Utf8.GetString(bad!).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t', 2)).Select(f => (f[0], f[1]))).ToList();
        foreach (var (path, problem) in badFiles.Skip(mine.BadFiles.Count)) _console.Warn($"skipped bad image '{path}': {problem}.");
        using var file = AtomicFile.Create(s.Output);
        using (var writer = new StreamWriter(file.Stream, Utf8, leaveOpen: true))
        {
            WriteHeader(writer, model);
            writer.Flush();
            file.Stream.Write(all);
        }
        file.Commit();
        return new Outcome(scored, badFiles, clock.Elapsed);
    }

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// The row of <paramref name="slice"/> whose image stopped the cursor, and why: from the engine's error when it names
    /// the row (images decoded on the cursor's thread), else by decoding the rows not yet written one by one (images
    /// decoded on ML.NET's parallel cursors). Null when no image is at fault.
    /// </summary>
    private static (int Row, string Problem)? Locate(Exception e, int done, List<int> slice, string[] fullPaths, long maxPixels)
    {
        if (e is BadRowException bad && bad.Row >= done && bad.Row < slice.Count)
            return ((int)bad.Row, (bad.InnerException ?? bad).Message.TrimEnd('.'));
        var paths = slice.Select(i => fullPaths[i]).ToList();
        return ImageCheck.FirstBad(paths, maxPixels, done);
    }

    /// <summary>
    /// Scores the files in order. A bad file stops the cursor in the middle of a batch: it is left out and scoring
    /// resumes at the first row not yet written, so the good files of that batch are decoded again (at most one batch
    /// per bad file).
    /// </summary>
    private Outcome ScoreAll(MLContext ml, LoadedModel model, List<string> files, string[] fullPaths, BadFilePolicy policy, long maxPixels, string folder,
        StreamWriter writer, ProgressBars bars)
    {
        var bar = bars.Add($"scoring {files.Count} images", files.Count);
        var bad = ImageCheck.AllBad(fullPaths, maxPixels).Select(b => (Path: files[b.Index], b.Problem, b.Index)).ToList();
        ImageCheck.NoteTransparency(fullPaths, folder, _console);
        if (bad.Count > 0 && policy == BadFilePolicy.Fail) throw ImageCheck.Failure([.. bad.Select(b => (b.Path, b.Problem))], folder);
        foreach (var b in bad) _console.Warn($"skipped bad image '{b.Path}': {b.Problem}.");
        bar?.Increment(bad.Count);
        var todo = Enumerable.Range(0, files.Count).Except(bad.Select(b => b.Index)).ToList();
        int next = 0, scored = 0;
        var clock = Stopwatch.StartNew();
        var line = new StringBuilder();
        while (next < todo.Count)
        {
            var slice = todo[next..];
            var view = model.ForImages.Transform(ml.Data.LoadFromEnumerable(slice.Select(i => new ImagePathRow { ImagePath = fullPaths[i] })));
            int done = 0;
            try
            {
                using var cursor = view.GetRowCursor([view.Schema[CliModel.PredictedLabel], view.Schema[CliModel.Score]]);
                var getPredicted = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema[CliModel.PredictedLabel]);
                var getScore = cursor.GetGetter<VBuffer<float>>(view.Schema[CliModel.Score]);
                ReadOnlyMemory<char> predicted = default;
                VBuffer<float> score = default;
                while (cursor.MoveNext())
                {
                    getPredicted(ref predicted);
                    getScore(ref score);
                    line.Clear().Append(Csv.Field(files[slice[done]])).Append(',').Append(Csv.Field(predicted.ToString()));
                    foreach (float v in score.DenseValues()) line.Append(',').Append(Csv.Number(v));
                    writer.WriteLine(line);
                    done++;
                    scored++;
                    bar?.Increment(1);
                }
                next = todo.Count;
            }
            catch (InvalidOperationException e) when (Locate(e, done, slice, fullPaths, maxPixels) is var (row, problem))
            {
                int file = slice[row];
                if (policy == BadFilePolicy.Fail) throw new CliException($"bad image '{files[file]}': {problem}.", ExitCodes.BadInput, e);
                bad.Add((files[file], problem, file));
                _console.Warn($"skipped bad image '{files[file]}': {problem}.");
                bar?.Increment(1);
                todo.RemoveAt(next + row);
                next += done;
            }
        }
        clock.Stop();
        ProgressBars.Describe(bar, $"scored {scored} images, {scored / Math.Max(clock.Elapsed.TotalSeconds, 1e-9):F0} images/s");
        return new Outcome(scored, [.. bad.Select(b => (b.Path, b.Problem))], clock.Elapsed);
    }
}
