using System.CommandLine;
using Microsoft.ML;
using MlNetConv.Backends;
using MlNetConv.Estimators;
using MlNetConv.Onnx;
using MlNetConv.Persistence;
using MlNetConv.Preprocessing;
using MlNetConv.Tensors;
using MlNetConv.Transforms;
using MlNetConv.View;

namespace MlNetConv.Cli.Commands;

/// <summary>
/// <c>view MODEL [--port N] [--input CxHxW]</c>: serves the live activation view of a model on 127.0.0.1 until Ctrl-C
/// or SIGTERM (exit code 0).
/// MODEL is a model zip from <c>train</c> (its classes and image reading come with it), an engine model file (pixels in
/// [0, 1] at the network's input size) or an ONNX file (RGB ones read as ImageNet networks, with its normalisation).
/// Nothing is opened: the command prints the address to open.
/// </summary>
internal sealed class ViewCommand
{
    public sealed record Settings(string Model, int Port, Shape? Input);

    private readonly CliConsole _console;
    private readonly Interruption _interruption;
    private readonly Argument<string> _model = new("model") { Description = "A model zip from 'mlnetconv train', an engine model file, or an ONNX file (*.onnx)" };
    private readonly Option<int> _port = new("--port") { Description = "The port on 127.0.0.1 (default: a free one, printed)", HelpName = "N", DefaultValueFactory = _ => 0 };
    private readonly Option<Shape?> _input = CliOptions.Input("Sample shape of an ONNX file with symbolic sizes");

    public ViewCommand(CliConsole console, Interruption interruption)
    {
        _console = console;
        _interruption = interruption;
        Command = new Command("view", "Serve the live activation view of a model on localhost: draw or upload an image, watch every layer respond")
        {
            _model, _port, _input,
        };
        _port.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 0 or > 65535) r.AddError($"--port must be 0..65535, got {r.GetValueOrDefault<int>()}."); });
        Command.SetAction((p, cancellation) => RunAsync(Bind(p), cancellation));
    }

    public Command Command { get; }

    public Settings Bind(ParseResult p) => new(p.GetRequiredValue(_model), p.GetValue(_port), p.GetValue(_input));

    public async Task<int> RunAsync(Settings s, CancellationToken cancellation)
    {
        var model = Load(s);
        ViewServer server;
        try
        {
            server = await ViewServer.StartAsync(model, new ViewServerOptions { Port = s.Port }, cancellation);
        }
        catch (IOException e)
        {
            throw new CliException(e.Message, ExitCodes.Usage, e);
        }
        await using (server)
        {
            _console.Out.WriteLine($"{model.Name}: {model.Network.SampleShape} input, {server.Service.Inspector.Nodes.Count} layers");
            _console.Out.WriteLine($"view: {server.Address} (Ctrl-C stops)");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _interruption.Token);
            // The wait blocks this thread so that the signals stay handled until it ends.
            _interruption.Listening(_console, "stopping the view", () => { server.WaitAsync(stop.Token).GetAwaiter().GetResult(); return 0; });
        }
        // Ctrl-C is how a view ends: a normal exit.
        return ExitCodes.Ok;
    }

    /// <exception cref="CliException">the file is missing, unreadable or not a model the view can show</exception>
    public static ViewedModel Load(Settings s)
    {
        if (!File.Exists(s.Model)) throw new CliException($"model file '{s.Model}' does not exist.");
        string name = Path.GetFileName(s.Model);
        try
        {
            if (s.Model.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                var ml = new MLContext(seed: 0);
                var loaded = CliModel.Load(ml, s.Model, Device.Cpu, batchSize: null);
                var pretrained = loaded.Classifier.ToPretrained(imagePreprocessing: ModelImageReading.Of(loaded), name: name);
                return ViewedModel.From(pretrained, loaded.Classifier.ClassNames, name);
            }
            if (s.Model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            {
                var network = OnnxImport.Load(s.Model, new OnnxImportOptions { SampleShape = s.Input });
                var sample = network.SampleShape;
                var reading = sample.Rank == 3 && sample[0] == 3
                    ? new ImagePreprocessing(sample[2], sample[1]) { Normalization = ChannelNormalization.ImageNet }
                    : ImagePreprocessing.Default(sample);
                return new ViewedModel(network, reading, null, name);
            }
            var (engine, _) = ModelFile.Load(s.Model);
            return new ViewedModel(engine, ImagePreprocessing.Default(engine.SampleShape), null, name);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            throw new CliException($"model file '{s.Model}': {char.ToLowerInvariant(e.Message[0]) + e.Message[1..]}", ExitCodes.BadInput, e);
        }
    }
}
