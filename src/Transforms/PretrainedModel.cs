using MlNetConv.Backends;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Onnx;
using MlNetConv.Persistence;
using MlNetConv.Preprocessing;
using MlNetConv.Tensors;
using MlNetConv.Zoo;

namespace MlNetConv.Transforms;

/// <summary>
/// A network with trained weights to start from — for features (<c>ConvNetFeaturize</c>) or for fine-tuning (the trainers'
/// <c>Pretrained</c> option): an ImageNet backbone (<see cref="PretrainedModels"/>), any ONNX file
/// (<see cref="FromOnnx"/>), a model file of the engine, or a network trained or built in code. It carries how images are
/// read for it (<see cref="Preprocessing"/>) and the node whose output is its features (<see cref="FeatureNode"/>).
/// </summary>
public sealed class PretrainedModel
{
    /// <param name="network">the network and its weights, on any backend; it is copied, never trained in place</param>
    /// <param name="preprocessing">how images become its input; null when its input is not an image</param>
    /// <param name="featureNode">the node whose output is the features; null: the network's output</param>
    /// <param name="name">what messages call it</param>
    public PretrainedModel(Network network, ImagePreprocessing? preprocessing, string? featureNode = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (preprocessing is not null && preprocessing.SampleShape != network.SampleShape)
            throw new ArgumentException($"Images read as {preprocessing.SampleShape} do not fit the network's input {network.SampleShape}.", nameof(preprocessing));
        Network = network;
        Preprocessing = preprocessing;
        FeatureNode = featureNode;
        Name = name ?? "pretrained network";
    }

    public Network Network { get; }
    public ImagePreprocessing? Preprocessing { get; }
    public string? FeatureNode { get; }
    public string Name { get; }

    /// <summary>
    /// The node features are taken at by default: <see cref="FeatureNode"/>, else the network's last hidden layer (the
    /// input of its final dense classifier, <see cref="GraphSurgery.LastHiddenNode"/>), else null: its output (a network
    /// without a classifier, such as a backbone).
    /// </summary>
    public string? DefaultFeatureNode
    {
        get
        {
            if (FeatureNode is not null) return FeatureNode;
            try
            {
                return GraphSurgery.LastHiddenNode(Network.Root);
            }
            catch (ArgumentException)
            {
                return null;
            }
        }
    }

    /// <summary>The normalisation its inputs need after scaling (the preprocessing's).</summary>
    public ChannelNormalization? Normalization => Preprocessing?.Normalization;

    /// <summary>An ONNX model (a torchvision or Keras export, say) imported with <see cref="OnnxImport"/>.</summary>
    /// <param name="preprocessing">how images become its input, e.g. <see cref="ImagePreprocessing.ImageNet"/> for torchvision's models</param>
    public static PretrainedModel FromOnnx(string path, ImagePreprocessing? preprocessing, string? featureNode = null, OnnxImportOptions? options = null,
        IBackend? backend = null) =>
        new(OnnxImport.Load(path, options, backend), preprocessing, featureNode, $"ONNX model '{path}'");

    /// <summary>A network saved in the engine's model file format (<see cref="ModelFile"/>).</summary>
    public static PretrainedModel FromModelFile(string path, ImagePreprocessing? preprocessing, string? featureNode = null, IBackend? backend = null) =>
        new(ModelFile.Load(path, backend).Network, preprocessing, featureNode, $"model file '{path}'");

    /// <summary>
    /// An unbuilt copy of the network through <paramref name="node"/> (its output and everything it depends on; the whole
    /// network when null), with the layer names of the original so that <see cref="CopyWeights"/> fills it.
    /// </summary>
    /// <exception cref="ArgumentException">the network has no node of that name</exception>
    public ILayer Through(string? node) => node is null ? Architectures.Clone(Network.Root) : GraphSurgery.CutAt(Network.Root, node);

    /// <summary>
    /// The network through <paramref name="node"/> built on <paramref name="backend"/> for <paramref name="sampleShape"/>
    /// (the original input shape when null; a fully convolutional network takes other image sizes) with its weights.
    /// </summary>
    public Network Build(string? node, IBackend? backend = null, Shape? sampleShape = null)
    {
        var network = new Network(Through(node), sampleShape ?? Network.SampleShape, backend);
        try
        {
            CopyWeights(network);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies every weight and statistic of this model into the parameters of <paramref name="target"/> named
    /// <paramref name="prefix"/> + the same name; returns how many tensors were copied.
    /// </summary>
    /// <exception cref="ArgumentException">a name matches but the shapes differ</exception>
    /// <exception cref="InvalidOperationException">no name matches (and this model has weights)</exception>
    public int CopyWeights(Network target, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(target);
        int copied = target.CopyMatchingParameters(Network, prefix).Count;
        if (copied == 0 && Network.Parameters.Count > 0) throw new InvalidOperationException($"The {Name} shares no parameter names with the network (prefix '{prefix}').");
        return copied;
    }

    /// <summary>The name of the backbone in <see cref="WithHead"/>'s network: its parameters are named <c>backbone.</c> + their name here.</summary>
    public const string BackbonePart = "backbone";

    /// <summary>The name of the new classifier in <see cref="WithHead"/>'s network.</summary>
    public const string HeadPart = "head";

    /// <summary>
    /// A classifier for <paramref name="classes"/> classes on this network (unbuilt, weights not copied): the network
    /// through <paramref name="node"/> (default: <see cref="DefaultFeatureNode"/>) as the part named
    /// <see cref="BackbonePart"/>, then a flattening and a new dense layer
    /// named <see cref="HeadPart"/>. Fine-tuning copies the weights in with <see cref="CopyWeights"/> and prefix
    /// <c>"backbone."</c>; without them it is the same network trained from scratch.
    /// </summary>
    public ILayer WithHead(int classes, string? node = null)
    {
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "A classifier needs at least 2 classes.");
        var backbone = Through(node ?? DefaultFeatureNode);
        backbone.Name = BackbonePart;
        return new Sequential([backbone, new Flatten("flatten"), new Dense(classes, name: HeadPart)], "finetune");
    }

    public override string ToString() => $"{Name}: input {Network.SampleShape}{(FeatureNode is null ? "" : $", features at '{FeatureNode}'")}";
}
