using System.Diagnostics;
using System.Runtime.InteropServices;
using MlNetConv.Inspection;
using MlNetConv.Layers;
using MlNetConv.Transforms;
using SkiaSharp;

namespace MlNetConv.View;

/// <summary>
/// What the server answers, without HTTP: the model's description, every layer's output for an image (one batch-1
/// evaluation through <see cref="NetworkInspector"/>), and a unit's links and receptive field. Requests are checked
/// here and refused with <see cref="ViewRequestException"/>.
/// </summary>
public sealed class ActivationService
{
    /// <summary>The name of the image among layers' inputs.</summary>
    public const string InputName = "input";

    /// <summary>The most channels of a layer's maps the page is sent (and draws); ResNet's 512 would be a screenful each.</summary>
    public const int MaxChannels = 64;

    /// <summary>The most units of a vector the page is sent.</summary>
    public const int MaxUnits = 1024;

    private readonly ViewedModel _model;
    private readonly NetworkInspector _inspector;
    private readonly ModelMessage _description;

    public ActivationService(ViewedModel model)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        var shape = model.Network.SampleShape;
        if (shape.Rank != 3 || model.Preprocessing.SampleShape != shape)
            throw new ArgumentException($"The view shows networks that read images (C, H, W) as their preprocessing makes them; the network reads {shape}, "
                + $"the preprocessing makes {model.Preprocessing.SampleShape}.", nameof(model));
        _inspector = new NetworkInspector(model.Network);
        if (model.ClassNames is { } names && names.Count != _inspector.Nodes[_inspector.Output].OutputShape.Size)
            throw new ArgumentException($"{names.Count} class names for {_inspector.Nodes[_inspector.Output].OutputShape.Size} outputs.", nameof(model));
        _description = Describe();
    }

    public NetworkInspector Inspector => _inspector;

    public ModelMessage Model => _description;

    /// <summary>The network's input for an image of 0..255 values (C, H, W): offset, scale, channel order and normalisation of the model.</summary>
    /// <param name="pixels">R, G, B planes, or one grey plane</param>
    public float[] Sample(ReadOnlySpan<int> pixels, int channels)
    {
        var p = _model.Preprocessing;
        int plane = p.Height * p.Width;
        var sample = new float[p.Channels * plane];
        for (int c = 0; c < p.Channels; c++)
        {
            for (int i = 0; i < plane; i++)
            {
                float value = channels == p.Channels
                    ? pixels[(p.Channels == 3 && p.Order == ChannelOrder.Bgr ? 2 - c : c) * plane + i]
                    : channels == 1 ? pixels[i] : Luma(pixels, i, plane);
                sample[c * plane + i] = (value - p.Offset) * p.Scale;
            }
        }
        p.Normalization?.Apply(sample, p.SampleShape, 1);
        return sample;
    }

    /// <summary>Every layer's output for a request's image.</summary>
    /// <exception cref="ViewRequestException">400: the image has another size, a channel count other than 1 or the model's, or values outside 0..255</exception>
    public ActivationsMessage Evaluate(PixelsRequest request)
    {
        var p = _model.Preprocessing;
        if (request.Width != p.Width || request.Height != p.Height)
            throw new ViewRequestException(400, $"The model reads {p.Width}x{p.Height} images; the request's is {request.Width}x{request.Height}.");
        if (request.Channels != 1 && request.Channels != 3)
            throw new ViewRequestException(400, $"channels must be 1 (grey) or 3 (R, G, B), got {request.Channels}.");
        int expected = request.Channels * p.Width * p.Height;
        if (request.Pixels is not { } pixels || pixels.Length != expected)
            throw new ViewRequestException(400, $"pixels must hold {expected} values ({request.Channels} x {p.Height} x {p.Width}), got {request.Pixels?.Length.ToString() ?? "none"}.");
        int bad = Array.FindIndex(pixels, v => v is < 0 or > 255);
        if (bad >= 0) throw new ViewRequestException(400, $"pixels[{bad}] is {pixels[bad]}; values are 0..255.");
        return Evaluate(pixels, request.Channels);
    }

    /// <summary>Every layer's output for an uploaded image file, resized to the model's input.</summary>
    /// <exception cref="ViewRequestException">415: not an image; 413: more pixels than <paramref name="maxPixels"/></exception>
    public ActivationsMessage EvaluateImage(byte[] file, long maxPixels)
    {
        using var data = SKData.CreateCopy(file);
        using var codec = SKCodec.Create(data)
            ?? throw new ViewRequestException(415, $"The upload ({file.Length} bytes) is not an image that can be decoded (PNG, JPEG, GIF, BMP, WebP).");
        long count = (long)codec.Info.Width * codec.Info.Height;
        if (count > maxPixels)
            throw new ViewRequestException(413, $"The image is {codec.Info.Width}x{codec.Info.Height} ({count} pixels); the limit is {maxPixels} pixels.");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var decoded = new SKBitmap(info);
        var result = codec.GetPixels(info, decoded.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
            throw new ViewRequestException(415, $"The image could not be decoded: {result}.");
        var p = _model.Preprocessing;
        using var resized = decoded.Resize(new SKImageInfo(p.Width, p.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul),
            new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        var rgba = resized.GetPixelSpan();
        int plane = p.Width * p.Height;
        var pixels = new int[3 * plane];
        for (int i = 0; i < plane; i++)
            for (int c = 0; c < 3; c++) pixels[c * plane + i] = rgba[4 * i + c];
        return p.Channels == 1 ? Evaluate(Grey(pixels, plane), 1) : Evaluate(pixels, 3);
    }

    /// <summary>What a unit reads in the layers before it, and its receptive field in the image.</summary>
    /// <exception cref="ViewRequestException">404: no such layer; 400: no such unit</exception>
    public LinksMessage Links(string layer, int channel, int y, int x)
    {
        var node = _inspector.Nodes.FirstOrDefault(n => n.Path == layer)
            ?? throw new ViewRequestException(404, $"The model has no layer '{layer}'.");
        var unit = new Unit(channel, y, x);
        try
        {
            var reads = _inspector.Links(node.Index, unit)
                .Select(s => new UnitsMessage(NameOf(s.Node), s.Channels, s.Rows, s.Columns)).ToArray();
            var f = _inspector.ReceptiveField(node.Index, unit);
            return new LinksMessage(layer, [channel, y, x], reads, [f.Top, f.Left, f.Bottom, f.Right]);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ViewRequestException(400, e.Message.Split(" (Parameter")[0]);
        }
    }

    private ActivationsMessage Evaluate(int[] pixels, int channels)
    {
        var clock = Stopwatch.StartNew();
        var values = _inspector.Record(Sample(pixels, channels));
        var layers = values.Select((v, i) =>
        {
            var node = _inspector.Nodes[i];
            var sent = v.AsSpan(0, _description.Layers[i].Shown * (node.OutputShape.Size / node.Channels));
            var (min, max) = Range(sent);
            return new LayerValues(min, max, Convert.ToBase64String(MemoryMarshal.AsBytes(sent)));
        }).ToArray();
        var top = Top(values[_inspector.Output]);
        var p = _model.Preprocessing;
        return new ActivationsMessage(top, layers, clock.Elapsed.TotalMilliseconds, channels, p.Height, p.Width, pixels);
    }

    /// <summary>The five most probable classes: the output itself after a softmax layer, else its softmax.</summary>
    private PredictionMessage[]? Top(float[] output)
    {
        var node = _inspector.Nodes[_inspector.Output];
        // A vector, or maps of one position (a convolutional classifier's (classes, 1, 1)).
        if (node.OutputShape.Size != node.Channels || output.Length < 2) return null;
        var probabilities = ClassProbabilities.Of(output, isSoftmax: node.Layer is Softmax);
        return probabilities.Select((p, i) => new PredictionMessage(i, _model.ClassNames?[i] ?? i.ToString(), p))
            .OrderByDescending(m => m.Probability).ThenBy(m => m.Index).Take(5).ToArray();
    }

    private ModelMessage Describe()
    {
        var layers = _inspector.Nodes.Select(n => new LayerMessage(n.Path, n.TypeName, n.Description, n.OutputShape.ToArray(),
            n.Inputs.Select(NameOf).ToArray(), IsMaps(n) ? "maps" : "vector", Math.Min(n.Channels, IsMaps(n) ? MaxChannels : MaxUnits))).ToArray();
        return new ModelMessage(_model.Name, _model.Network.SampleShape.ToArray(), _model.Preprocessing.ToString(), _model.ClassNames,
            layers, Filters());
    }

    /// <summary>The first 2D convolution with full channel groups, whose weights are images of the input's channels.</summary>
    private FiltersMessage? Filters()
    {
        var node = _inspector.Nodes.FirstOrDefault(n => n.Layer is Convolution { Geometry.SpatialRank: 2 });
        if (node?.Layer is not Convolution conv || conv.Geometry.Table is not null) return null;
        var weights = conv.Weight.Value.ToArray();
        return new FiltersMessage(node.Path, conv.Weight.Value.Shape.ToArray(), Convert.ToBase64String(MemoryMarshal.AsBytes(weights.AsSpan())));
    }

    /// <summary>Outputs with more than one position are drawn as maps; vectors and 1x1 maps as strips of units.</summary>
    private static bool IsMaps(InspectedNode node) => node.Height * node.Width > 1;

    private static (float Min, float Max) Range(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) return (0, 0);
        float min = values[0], max = values[0];
        foreach (float v in values) (min, max) = (Math.Min(min, v), Math.Max(max, v));
        return (min, max);
    }

    private string NameOf(int node) => node == NetworkInspector.NetworkInput ? InputName : _inspector.Nodes[node].Path;

    /// <summary>Grey level of an RGB pixel (ITU-R BT.601 weights).</summary>
    private static float Luma(ReadOnlySpan<int> rgb, int i, int plane) =>
        0.299f * rgb[i] + 0.587f * rgb[plane + i] + 0.114f * rgb[2 * plane + i];

    private static int[] Grey(int[] rgb, int plane)
    {
        var grey = new int[plane];
        for (int i = 0; i < plane; i++) grey[i] = (int)MathF.Round(Luma(rgb, i, plane));
        return grey;
    }
}
