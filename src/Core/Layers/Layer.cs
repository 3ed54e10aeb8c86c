using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Init;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Base of the leaf layers: lazy build, parameter bookkeeping, reusable output buffers and the input-shape check
/// that names the layer. Subclasses are a few lines of glue around backend kernels.
/// </summary>
public abstract class Layer : ILayer
{
    private readonly List<Parameter> _parameters = [];
    private IBackend? _backend;

    protected Layer(string? name) => Name = name ?? "";

    public string Name { get; set; }
    public bool IsBuilt => _backend is not null;
    public Shape InputShape { get; private set; }
    public Shape OutputShape { get; private set; }
    public bool InputGradRequired { get; set; } = true;
    public IReadOnlyList<Parameter> Parameters => _parameters;
    public IReadOnlyList<ILayer> Children => [];
    public virtual string TypeName => GetType().Name;

    public virtual LayerStats Stats => LayerStats.None;

    protected IBackend Backend => _backend ?? throw new InvalidOperationException($"Layer '{Name}' ({TypeName}) is used before Build.");

    public Shape Build(IBackend backend, Shape input)
    {
        if (_backend is not null)
        {
            if (ReferenceEquals(_backend, backend) && SameSample(input, InputShape)) return OutputShape.WithBatch(input.N);
            throw new InvalidOperationException($"Layer '{Name}' ({TypeName}) was built for input {InputShape} on {_backend.Name}; it cannot be rebuilt for {input} on {backend.Name}.");
        }
        _backend = backend;
        InputShape = input;
        OutputShape = OnBuild(input);
        return OutputShape;
    }

    /// <summary>Validates the input shape, creates parameters and returns the output shape.</summary>
    protected abstract Shape OnBuild(Shape input);

    public abstract Tensor Forward(Tensor input, bool training);

    public abstract Tensor? Backward(Tensor outputGrad);

    public abstract void WriteConfig(JsonObject config);

    /// <summary>Creates a parameter (trainable) or buffer (not trainable) owned by this layer.</summary>
    protected Parameter AddParameter(string localName, Shape shape, IInitializer? initializer, int fanIn = 0, int fanOut = 0, bool trainable = true)
    {
        var p = new Parameter(localName, Backend.Allocate(shape), trainable, initializer, fanIn, fanOut);
        // A usable value at once (a layer may be used outside a network); Network re-draws with its own seed.
        p.Initialize(0);
        _parameters.Add(p);
        return p;
    }

    /// <summary>Throws a message naming the layer when a mini-batch does not match the built input shape.</summary>
    protected void CheckInput(Tensor input)
    {
        if (!SameSample(input.Shape, InputShape))
            throw new ArgumentException($"Layer '{Name}' ({TypeName}): expected input (N, {string.Join(", ", InputShape.Skip(1))}), got {input.Shape}.");
        if (!ReferenceEquals(input.Backend, Backend))
            throw new ArgumentException($"Layer '{Name}' ({TypeName}): input lives on {input.Backend.Name}, the layer on {Backend.Name}.");
    }

    /// <summary>The cached buffer if it has this shape, else a new one (activations are reused across steps).</summary>
    protected Tensor Reuse(ref Tensor? cache, Shape shape) => Backend.Reuse(ref cache, shape);

    /// <summary>Same dimensions apart from the batch.</summary>
    protected static bool SameSample(Shape a, Shape b) => a.Rank == b.Rank && a.Skip(1).SequenceEqual(b.Skip(1));

    /// <summary>The same value for every spatial dimension.</summary>
    protected static int[] Repeat(int value, int rank) => Enumerable.Repeat(value, rank).ToArray();

    protected static int[]? Repeat(int? value, int rank) => value is { } v ? Repeat(v, rank) : null;

    protected static T Saved<T>(T? value, string layer) where T : class =>
        value ?? throw new InvalidOperationException($"Layer '{layer}': Backward called without a Forward in training mode.");

    public override string ToString() => TypeName;
}
