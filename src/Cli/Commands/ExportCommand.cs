using System.CommandLine;
using Microsoft.ML;
using MlNetConv.Estimators;
using MlNetConv.Estimators.Persistence;

namespace MlNetConv.Cli.Commands;

/// <summary>
/// <c>export MODEL OUTPUT.onnx</c>: the model's ConvNet as an ONNX model (<c>ExportToOnnx</c>) that takes the pixels
/// (N, C, H, W) in [0, 1] that the model's image steps give, applies the model's normalisation and gives the softmax
/// probabilities that <c>score</c> writes. MODEL is a zip from <c>mlnetconv train</c> (or any ML.NET zip holding a ConvNet)
/// or a model file in the engine's own format (<c>ModelFile</c>, <c>ConvNetModel.Bytes</c>).
/// </summary>
internal sealed class ExportCommand
{
    public sealed record Settings(string Model, string Output);

    /// <summary>What was written: the file's size and the model's sample, output and normalisation.</summary>
    public sealed record Outcome(long Bytes, ConvNetModel Model);

    private readonly CliConsole _console;
    private readonly Argument<string> _model = new("model") { Description = "A model zip saved by 'mlnetconv train', or an MlNetConv model file" };
    private readonly Argument<string> _output = new("output") { Description = "The ONNX file to write (replaced if it exists)" };

    public ExportCommand(CliConsole console)
    {
        _console = console;
        Command = new Command("export", "Write a trained model as an ONNX model (input normalisation and softmax included)")
        {
            _model, _output,
        };
        Command.SetAction(p => Run(Bind(p)));
    }

    public Command Command { get; }

    public Settings Bind(ParseResult p) => new(p.GetRequiredValue(_model), p.GetRequiredValue(_output));

    public int Run(Settings s)
    {
        var outcome = Export(s);
        var model = outcome.Model;
        _console.Out.WriteLine($"wrote {s.Output}: {outcome.Bytes} bytes");
        _console.Out.WriteLine($"input 'input' N x {ZooModel.FormatShape(model.SampleShape)} ("
            + (model.Normalization is { } n ? $"normalised in the model: mean {Values(n.Mean)}, std {Values(n.Std)}" : "no normalisation")
            + $"), output 'output' N x {ZooModel.FormatShape(model.OutputShape)} (softmax probabilities)");
        return ExitCodes.Ok;
    }

    public static Outcome Export(Settings s)
    {
        var model = Read(s.Model);
        try
        {
            model.ExportToOnnx(s.Output);
        }
        catch (NotSupportedException e)
        {
            throw new CliException($"model file '{s.Model}' cannot be written as ONNX: {e.Message}", ExitCodes.BadInput, e);
        }
        return new Outcome(new FileInfo(s.Output).Length, model);
    }

    /// <summary>The ConvNet of a model zip (a zip starts with "PK"), else of an engine model file.</summary>
    private static ConvNetModel Read(string path)
    {
        if (!File.Exists(path)) throw new CliException($"model file '{path}' does not exist.");
        byte[] start = new byte[2];
        using (var file = File.OpenRead(path)) file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        if (start is [(byte)'P', (byte)'K'])
        {
            var (loaded, _) = CliModel.LoadZip(new MLContext(seed: 0), path);
            return loaded.FindConvNet<ConvNetTransformer>().Model;
        }
        try
        {
            return ConvNetModel.FromBytes(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw new CliException($"model file '{path}' is neither an ML.NET model zip nor an MlNetConv model file: {e.Message}", ExitCodes.BadInput, e);
        }
    }

    private static string Values(IReadOnlyList<float> values) =>
        "[" + string.Join(", ", values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
