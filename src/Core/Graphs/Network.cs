using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Graphs;

/// <summary>
/// A built model: the root layer (usually a graph) built on one backend for one sample shape, with dotted
/// parameter names assigned and weights initialized from a seed. The same seed gives the same weights: each
/// parameter draws from a stream keyed by (seed, its name).
/// </summary>
public sealed class Network : IDisposable
{
    /// <param name="root">an unbuilt layer or graph (see <see cref="NetworkBuilder"/>)</param>
    /// <param name="sampleShape">one sample without the batch dimension: (C), (C, L), (C, H, W) or (C, D, H, W)</param>
    public Network(ILayer root, Shape sampleShape, IBackend? backend = null, ulong seed = 0)
    {
        Root = root;
        Backend = backend ?? CpuBackend.Default;
        InputShape = new Shape([1, .. sampleShape]);
        root.InputGradRequired = false;
        root.Build(Backend, InputShape);
        AssignNames(root, "");
        Parameters = root.Parameters;
        var duplicate = Parameters.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"Two parameters are named '{duplicate.Key}'; give the layers distinct names.");
        TrainableParameters = Parameters.Where(p => p.Trainable).ToArray();
        Stochastic = Flatten(root).OfType<IStochasticLayer>().ToArray();
        Initialize(seed);
    }

    private Tensor? _predictInput;

    public ILayer Root { get; }
    public IBackend Backend { get; }

    /// <summary>(1, C, spatial...): the input shape with a batch of one.</summary>
    public Shape InputShape { get; }

    public Shape SampleShape => new(InputShape.Skip(1).ToArray());
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Every trainable weight, frozen or not: the network's structure, whatever is being fine-tuned.</summary>
    public IReadOnlyList<Parameter> TrainableParameters { get; }

    /// <summary>The trainable weights that are not frozen: what an optimizer should update (read it after freezing).</summary>
    public IReadOnlyList<Parameter> UpdatedParameters => TrainableParameters.Where(p => p.Updated).ToArray();
    private IReadOnlyList<IStochasticLayer> Stochastic { get; }

    public IReadOnlyList<Shape> OutputShapes => Root is Graph g ? g.OutputShapes : [Root.OutputShape];
    public int OutputCount => OutputShapes.Count;

    /// <summary>Number of trainable weights.</summary>
    public long ParameterCount => TrainableParameters.Sum(p => (long)p.Size);

    public Parameter this[string name] => Parameters.FirstOrDefault(p => p.Name == name)
        ?? throw new KeyNotFoundException($"The network has no parameter named '{name}'.");

    /// <summary>
    /// Copies every parameter and buffer of <paramref name="source"/> whose name, after <paramref name="prefix"/>, names a
    /// parameter of this network: a trained classifier's backbone into a segmentation network (a ResNet's <c>conv1</c>,
    /// <c>layer1</c> … <c>layer4</c> into <see cref="Zoo.Architectures.Fcn"/>), or into a block of a larger network
    /// (<paramref name="prefix"/> <c>"backbone."</c>). Parameters without a match keep their values. Returns the names
    /// copied; throws when a name matches but the shapes differ.
    /// </summary>
    public IReadOnlyList<string> CopyMatchingParameters(Network source, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(source);
        var byName = Parameters.ToDictionary(p => p.Name);
        var copied = new List<string>();
        foreach (var from in source.Parameters)
        {
            if (!byName.TryGetValue(prefix + from.Name, out var to)) continue;
            if (to.Shape != from.Shape)
                throw new ArgumentException($"Parameter '{from.Name}' {from.Shape} of the source does not fit '{to.Name}' {to.Shape} of this network.");
            to.Value.CopyFrom(from.Value.ToArray());
            copied.Add(to.Name);
        }
        return copied;
    }

    /// <summary>
    /// Freezes every weight of the node named <paramref name="throughNode"/> and of every layer it depends on (its
    /// ancestors in the graph, through nested graphs): the backbone up to that node keeps its values while the rest
    /// trains, and its backward pass is skipped. A node is named as in <see cref="Graph.Nodes"/>, nested ones by their
    /// dotted path (<c>layer3</c>, <c>layer3.1.conv2</c>, as in parameter names). Freeze before creating the
    /// <see cref="Training.Trainer"/>: its optimizer takes the <see cref="UpdatedParameters"/> of that moment. Returns
    /// the names of the weights frozen.
    /// </summary>
    /// <exception cref="ArgumentException">no node has that name (the message lists the names there are)</exception>
    public IReadOnlyList<string> Freeze(string throughNode)
    {
        var frozen = ParametersThrough(throughNode);
        foreach (var p in frozen) p.Frozen = true;
        return frozen.Select(p => p.Name).ToArray();
    }

    /// <summary>Unfreezes every weight (batch normalisation's frozen statistics stay: see <see cref="FreezeBatchNorm"/>).</summary>
    public void Unfreeze()
    {
        foreach (var p in TrainableParameters) p.Frozen = false;
    }

    /// <summary>
    /// The trainable weights of the node named <paramref name="node"/> and of every layer it depends on, in network
    /// order (named as for <see cref="Freeze"/>): a backbone's learning rate in one line,
    /// <c>ParametersThrough("layer4").ToDictionary(p => p.Name, _ => 0.1f)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">no node has that name</exception>
    public IReadOnlyList<Parameter> ParametersThrough(string node)
    {
        var through = NodePath.LayersThrough(Root, node).SelectMany(l => l.Parameters).ToHashSet();
        return TrainableParameters.Where(through.Contains).ToArray();
    }

    /// <summary>
    /// Sets <see cref="BatchNorm.FreezeStatistics"/> on the batch normalisation layers of the node named
    /// <paramref name="throughNode"/> and the layers it depends on (every one when null): training then normalises with
    /// the running statistics and leaves them alone, as fine-tuning on small batches wants. Returns the layers' dotted names.
    /// </summary>
    /// <exception cref="ArgumentException">no node has that name</exception>
    public IReadOnlyList<string> FreezeBatchNorm(string? throughNode = null)
    {
        var layers = throughNode is null ? [Root] : NodePath.LayersThrough(Root, throughNode);
        var norms = layers.SelectMany(Flatten).OfType<BatchNorm>().ToHashSet();
        foreach (var norm in norms) norm.FreezeStatistics = true;
        return NodePath.All(Root).Where(n => n.Node.Layer is BatchNorm bn && norms.Contains(bn)).Select(n => n.Path).ToArray();
    }

    /// <summary>Lets every batch normalisation layer learn its statistics in training again.</summary>
    public void UnfreezeBatchNorm()
    {
        foreach (var norm in Flatten(Root).OfType<BatchNorm>()) norm.FreezeStatistics = false;
    }

    /// <summary>Re-draws every parameter from its initializer.</summary>
    public void Initialize(ulong seed)
    {
        foreach (var p in Parameters) p.Initialize(seed);
    }

    /// <summary>Gives every dropout layer a seed for this step, so a run is reproducible and resumable.</summary>
    public void SetStepSeed(ulong seed, long step)
    {
        for (int i = 0; i < Stochastic.Count; i++) Stochastic[i].SetSeed(RandomStream.Combine(seed, (ulong)step, (ulong)i));
    }

    /// <summary>The first output for a batch (N, C, spatial...). The tensor belongs to the network until the next call.</summary>
    public Tensor Forward(Tensor input, bool training = false)
    {
        CheckInput(input);
        return Root.Forward(input, training);
    }

    /// <summary>Every output (several for GoogLeNet with auxiliary heads).</summary>
    public IReadOnlyList<Tensor> ForwardAll(Tensor input, bool training = false)
    {
        CheckInput(input);
        return Root is Graph g ? g.ForwardAll(input, training) : [Root.Forward(input, training)];
    }

    public void Backward(Tensor outputGrad) => Root.Backward(outputGrad);

    public void BackwardAll(IReadOnlyList<Tensor?> outputGrads)
    {
        if (Root is Graph g) g.BackwardAll(outputGrads);
        else Root.Backward(outputGrads[0] ?? throw new ArgumentException("The network's only output needs a gradient."));
    }

    /// <summary>Zeroes the gradients of the weights being trained (frozen ones are neither computed nor read).</summary>
    public void ZeroGrad()
    {
        foreach (var p in TrainableParameters)
            if (p.Updated) Backend.Elementwise.Fill(p.Grad!, 0f);
    }

    /// <summary>Runs samples through in evaluation mode and returns the first output, batch by batch.</summary>
    /// <param name="inputs">count × sample size values</param>
    public float[] Predict(ReadOnlySpan<float> inputs, int batchSize = 256)
    {
        int sample = SampleShape.Size, count = inputs.Length / sample;
        if (count * sample != inputs.Length)
            throw new ArgumentException($"Expected a multiple of {sample} values (sample shape {SampleShape}), got {inputs.Length}.");
        int outSize = OutputShapes[0].SampleSize;
        var result = new float[count * outSize];
        for (int start = 0; start < count; start += batchSize)
        {
            int n = Math.Min(batchSize, count - start);
            var batch = Backend.Reuse(ref _predictInput, InputShape.WithBatch(n));
            batch.CopyFrom(inputs.Slice(start * sample, n * sample));
            var output = Forward(batch);
            Backend.Download(output, result.AsSpan(start * outSize, n * outSize));
        }
        return result;
    }

    private void CheckInput(Tensor input)
    {
        if (input.Shape.Rank != InputShape.Rank || !input.Shape.Skip(1).SequenceEqual(InputShape.Skip(1)))
            throw new ArgumentException($"The network expects input (N, {string.Join(", ", InputShape.Skip(1))}), got {input.Shape}.");
    }

    /// <summary>Every layer of the tree, depth first.</summary>
    public static IEnumerable<ILayer> Flatten(ILayer layer)
    {
        yield return layer;
        foreach (var child in layer.Children)
            foreach (var l in Flatten(child)) yield return l;
    }

    private static void AssignNames(ILayer layer, string prefix)
    {
        foreach (var p in layer.Parameters.Where(p => layer.Children.Count == 0)) p.Name = prefix + p.LocalName;
        foreach (var child in layer.Children) AssignNames(child, prefix + child.Name + ".");
    }

    public void Dispose()
    {
        foreach (var p in Parameters)
        {
            p.Value.Dispose();
            p.Grad?.Dispose();
        }
    }
}
