using System.CommandLine;
using MlNetConv.Tensors;
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
        var (inspected, model) = Load(s);
        using var owner = inspected;
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

    /// <summary>The model as <c>plot</c> reads it (<see cref="InspectedModel"/>), for the view.</summary>
    /// <exception cref="CliException">the file is missing, unreadable or not a model the view can show</exception>
    public static (InspectedModel Model, ViewedModel Viewed) Load(Settings s)
    {
        var model = InspectedModel.Load(s.Model, s.Input);
        return (model, new ViewedModel(model.Network, model.Image, model.ClassNames, Path.GetFileName(s.Model)));
    }
}
