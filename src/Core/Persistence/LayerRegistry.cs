using System.Text.Json.Nodes;
using MlNetConv.Graphs;
using MlNetConv.Layers;

namespace MlNetConv;

/// <summary>
/// Turns layers into JSON ({"type", "name", "config"}) and back: the architecture part of a saved model.
/// Every layer type that can be saved is listed here once.
/// </summary>
public static class LayerRegistry
{
    private static readonly Dictionary<string, Func<JsonObject, ILayer>> Layers = new()
    {
        ["Sequential"] = c => new Sequential(Json.Array(c, "layers").Select(l => ReadLayer(l!.AsObject())).ToArray()),
        ["Graph"] = ReadGraph,
        ["Conv1d"] = c => new Conv1d(Json.Int(c, "outChannels"), Json.Sizes(c, "kernelSize"), Json.Sizes(c, "stride"), Json.ReadPadding(c, "padding"),
            Json.Sizes(c, "dilation"), Json.Int(c, "groups"), Json.Bool(c, "bias"), Table(c)),
        ["Conv2d"] = c => new Conv2d(Json.Int(c, "outChannels"), Json.Sizes(c, "kernelSize"), Json.Sizes(c, "stride"), Json.ReadPadding(c, "padding"),
            Json.Sizes(c, "dilation"), Json.Int(c, "groups"), Json.Bool(c, "bias"), Table(c)),
        ["Conv3d"] = c => new Conv3d(Json.Int(c, "outChannels"), Json.Sizes(c, "kernelSize"), Json.Sizes(c, "stride"), Json.ReadPadding(c, "padding"),
            Json.Sizes(c, "dilation"), Json.Int(c, "groups"), Json.Bool(c, "bias"), Table(c)),
        ["ConvTranspose1d"] = c => new ConvTranspose1d(Json.Int(c, "outChannels"), Json.Sizes(c, "kernelSize"), Json.Sizes(c, "stride"),
            Json.ReadPadding(c, "padding"), Json.Sizes(c, "outputPadding"), Json.Sizes(c, "dilation"), Json.Int(c, "groups"), Json.Bool(c, "bias")),
        ["ConvTranspose2d"] = c => new ConvTranspose2d(Json.Int(c, "outChannels"), Json.Sizes(c, "kernelSize"), Json.Sizes(c, "stride"),
            Json.ReadPadding(c, "padding"), Json.Sizes(c, "outputPadding"), Json.Sizes(c, "dilation"), Json.Int(c, "groups"), Json.Bool(c, "bias")),
        ["ConvTranspose3d"] = c => new ConvTranspose3d(Json.Int(c, "outChannels"), Json.Sizes(c, "kernelSize"), Json.Sizes(c, "stride"),
            Json.ReadPadding(c, "padding"), Json.Sizes(c, "outputPadding"), Json.Sizes(c, "dilation"), Json.Int(c, "groups"), Json.Bool(c, "bias")),
        ["LocallyConnected2d"] = c => new LocallyConnected2d(Json.Int(c, "outChannels"), Json.Sizes(c, "kernelSize"), Json.Sizes(c, "stride"),
            Json.ReadPadding(c, "padding"), Json.OptionalSizes(c, "dilation"), Json.Bool(c, "bias")),
        ["Dense"] = c => new Dense(Json.Int(c, "outFeatures"), Json.Bool(c, "bias")),
        ["Flatten"] = _ => new Flatten(),
        ["ReLU"] = _ => new ReLU(),
        ["LeakyReLU"] = c => new LeakyReLU(Json.Float(c, "negativeSlope")),
        ["Tanh"] = _ => new Tanh(),
        ["ScaledTanh"] = _ => new ScaledTanh(),
        ["Sigmoid"] = _ => new Sigmoid(),
        ["Hardtanh"] = c => new Hardtanh(Json.Float(c, "minVal"), Json.Float(c, "maxVal")),
        ["Softmax"] = _ => new Softmax(),
        ["Power"] = c => new Power(Json.Float(c, "exponent")),
        ["Reshape"] = c => new Reshape(Json.IntArray(c, "shape")),
        ["ConstantAffine"] = c => new ConstantAffine(Json.Bool(c, "perElement")),
        ["ConstantPad"] = c => new ConstantPad(Json.IntArray(c, "begin"), Json.IntArray(c, "end"), Json.Float(c, "value")),
        ["ReflectionPad"] = c => new ReflectionPad(Json.IntArray(c, "begin"), Json.IntArray(c, "end")),
        ["ReplicationPad"] = c => new ReplicationPad(Json.IntArray(c, "begin"), Json.IntArray(c, "end")),
        ["Narrow"] = c => new Narrow(Json.Int(c, "dim"), Json.Int(c, "start"), Json.Int(c, "length")),
        ["IndexSelect"] = c => new IndexSelect(Json.Int(c, "dim"), Json.IntArray(c, "index")),
        ["Permute"] = c => new Permute(Json.IntArray(c, "dims")),
        ["Expand"] = c => new Expand(Json.IntArray(c, "shape")),
        ["MaxPool1d"] = c => new MaxPool1d(Json.Sizes(c, "kernelSize"), Json.Sizes(c, "stride"), Json.ReadPadding(c, "padding"),
            Json.Sizes(c, "dilation"), Json.Bool(c, "ceilMode")),
        ["MaxPool2d"] = c => new MaxPool2d(Json.Sizes(c, "kernelSize"), Json.Sizes(c, "stride"), Json.ReadPadding(c, "padding"),
            Json.Sizes(c, "dilation"), Json.Bool(c, "ceilMode")),
        ["MaxPool3d"] = c => new MaxPool3d(Json.Sizes(c, "kernelSize"), Json.Sizes(c, "stride"), Json.ReadPadding(c, "padding"),
            Json.Sizes(c, "dilation"), Json.Bool(c, "ceilMode")),
        ["AvgPool1d"] = c => new AvgPool1d(Json.Sizes(c, "kernelSize"), Json.Sizes(c, "stride"), Json.ReadPadding(c, "padding"),
            Json.Bool(c, "ceilMode"), Json.Bool(c, "countIncludePad")),
        ["AvgPool2d"] = c => new AvgPool2d(Json.Sizes(c, "kernelSize"), Json.Sizes(c, "stride"), Json.ReadPadding(c, "padding"),
            Json.Bool(c, "ceilMode"), Json.Bool(c, "countIncludePad")),
        ["AvgPool3d"] = c => new AvgPool3d(Json.Sizes(c, "kernelSize"), Json.Sizes(c, "stride"), Json.ReadPadding(c, "padding"),
            Json.Bool(c, "ceilMode"), Json.Bool(c, "countIncludePad")),
        ["MaxUnpool1d"] = c => new MaxUnpool1d(Json.String(c, "pooling")),
        ["MaxUnpool2d"] = c => new MaxUnpool2d(Json.String(c, "pooling")),
        ["MaxUnpool3d"] = c => new MaxUnpool3d(Json.String(c, "pooling")),
        ["LPPool1d"] = c => new LPPool1d(Json.Float(c, "normType"), Json.Sizes(c, "kernelSize"), Json.Sizes(c, "stride"), Json.Bool(c, "ceilMode"),
            OptionalPadding(c), Json.OptionalSizes(c, "dilation")),
        ["LPPool2d"] = c => new LPPool2d(Json.Float(c, "normType"), Json.Sizes(c, "kernelSize"), Json.Sizes(c, "stride"), Json.Bool(c, "ceilMode"),
            OptionalPadding(c), Json.OptionalSizes(c, "dilation")),
        ["LPPool3d"] = c => new LPPool3d(Json.Float(c, "normType"), Json.Sizes(c, "kernelSize"), Json.Sizes(c, "stride"), Json.Bool(c, "ceilMode"),
            OptionalPadding(c), Json.OptionalSizes(c, "dilation")),
        ["Maxout"] = c => new Maxout(Json.Int(c, "poolSize")),
        ["Upsample"] = c => new Upsample(Json.OptionalDoubleArray(c, "scaleFactor"), Json.OptionalIntArray(c, "size"),
            Enum.Parse<Geometry.UpsampleMode>(Json.String(c, "mode")), Json.Bool(c, "alignCorners")),
        ["ZeroPad2d"] = c =>
        {
            int[] p = Json.IntArray(c, "padding");
            return new ZeroPad2d(p[0], p[1], p[2], p[3]);
        },
        ["GlobalAvgPool"] = _ => new GlobalAvgPool(),
        ["GlobalMaxPool"] = _ => new GlobalMaxPool(),
        ["Subsampling2d"] = c => new Subsampling2d(Json.Int(c, "kernelSize")),
        ["Dropout"] = c => new Dropout(Json.Float(c, "p")),
        ["Dropout2d"] = c => new Dropout2d(Json.Float(c, "p")),
        ["LocalResponseNorm"] = c => new LocalResponseNorm(Json.Int(c, "size"), Json.Float(c, "alpha"), Json.Float(c, "beta"),
            Json.Float(c, "k"), Json.Bool(c, "alphaOverSize"), before: Json.OptionalInt(c, "before")),
        ["ContrastExtraction"] = c => new Neocognitron.ContrastExtraction(Json.Int(c, "kernelSize"), Json.Float(c, "centreSigma"), Json.Float(c, "surroundSigma")),
        ["SLayer"] = c => new Neocognitron.SLayer(Json.Int(c, "planes"), Json.Int(c, "kernelSize"), Json.Float(c, "theta"), Json.Float(c, "vCellSigma")),
        ["CLayer"] = c => new Neocognitron.CLayer(Json.Int(c, "kernelSize"), Json.Int(c, "stride"), Json.Float(c, "sigma"), Json.Float(c, "gain")),
        ["BatchNorm1d"] = c => new BatchNorm1d(Json.Float(c, "momentum"), Json.Float(c, "eps")),
        ["BatchNorm2d"] = c => new BatchNorm2d(Json.Float(c, "momentum"), Json.Float(c, "eps")),
        ["BatchNorm3d"] = c => new BatchNorm3d(Json.Float(c, "momentum"), Json.Float(c, "eps")),
    };

    private static readonly Dictionary<string, Func<JsonObject, IMergeLayer>> Merges = new()
    {
        ["Add"] = _ => new Add(),
        ["Concat"] = _ => new Concat(),
        ["Multiply"] = _ => new Multiply(),
        ["CropTo"] = c => new CropTo(Json.OptionalIntArray(c, "offset")),
    };

    /// <summary>{"type", "name", "config"} of a layer, recursively for graphs.</summary>
    public static JsonObject ToJson(ILayer layer)
    {
        if (!Layers.ContainsKey(layer.TypeName))
            throw new NotSupportedException($"Layer '{layer.Name}' of type {layer.TypeName} cannot be saved: the type is not registered in {nameof(LayerRegistry)}.");
        var config = new JsonObject();
        layer.WriteConfig(config);
        if (layer is IInitializedLayer initialized)
        {
            // Custom IInitializer implementations cannot be written: a copy then starts from the layer's default.
            if (Init.Initializers.ToJson(initialized.WeightInit) is { } weight) config["weightInit"] = weight;
            if (Init.Initializers.ToJson(initialized.BiasInit) is { } bias) config["biasInit"] = bias;
        }
        return new JsonObject { ["type"] = layer.TypeName, ["name"] = layer.Name, ["config"] = config };
    }

    internal static JsonObject ToJson(GraphNode node)
    {
        if (node.Layer is not null) return ToJson(node.Layer);
        var config = new JsonObject();
        node.Merge!.WriteConfig(config);
        return new JsonObject { ["type"] = node.Merge.TypeName, ["name"] = node.Name, ["config"] = config };
    }

    /// <summary>Rebuilds an (unbuilt) layer from its JSON.</summary>
    public static ILayer ReadLayer(JsonObject json)
    {
        string type = Json.String(json, "type");
        if (!Layers.TryGetValue(type, out var factory))
            throw new InvalidDataException($"Unknown layer type '{type}' in the saved architecture.");
        var config = Json.Object(json, "config");
        var layer = factory(config);
        layer.Name = Json.String(json, "name");
        if (layer is IInitializedLayer initialized)
        {
            if (config["weightInit"] is JsonObject weight) initialized.WeightInit = Init.Initializers.FromJson(weight);
            if (config["biasInit"] is JsonObject bias) initialized.BiasInit = Init.Initializers.FromJson(bias);
        }
        return layer;
    }

    private static Graph ReadGraph(JsonObject c)
    {
        var nodes = new List<GraphNode>();
        foreach (var item in Json.Array(c, "nodes"))
        {
            var json = item!.AsObject();
            nodes.Add(ReadNode(json, Json.IntArray(json, "inputs")));
        }
        return new Graph(nodes, Json.IntArray(c, "outputs"));
    }

    /// <summary>An unbuilt copy of a graph node's layer or merge (its configuration, not its weights) reading <paramref name="inputs"/>.</summary>
    internal static GraphNode Copy(GraphNode node, int[] inputs) => ReadNode(ToJson(node), inputs);

    private static GraphNode ReadNode(JsonObject json, int[] inputs)
    {
        if (!Merges.TryGetValue(Json.String(json, "type"), out var merge)) return new GraphNode(ReadLayer(json), null, inputs);
        var m = merge(Json.Object(json, "config"));
        m.Name = Json.String(json, "name");
        return new GraphNode(null, m, inputs);
    }

    private static Geometry.ConnectionTable? Table(JsonObject c) => Json.ReadTable(c, "connections");

    /// <summary>Lp pooling saved before it had padding: none.</summary>
    private static Geometry.Padding? OptionalPadding(JsonObject c) => c["padding"] is null ? null : Json.ReadPadding(c, "padding");
}
