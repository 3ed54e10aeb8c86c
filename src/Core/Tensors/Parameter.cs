using MlNetConv.Backends.Meta;
using MlNetConv.Init;

namespace MlNetConv.Tensors;

/// <summary>
/// A named tensor of a layer: a trainable weight with its gradient, or a non-trainable buffer such as
/// BatchNorm's running mean. Names follow torchvision/ONNX (<c>layer1.0.conv1.weight</c>); a layer gives the
/// local name (<c>weight</c>) and the network prefixes the path when it is built.
/// </summary>
public sealed class Parameter
{
    private bool _frozen;

    public Parameter(string localName, Tensor value, bool trainable = true, IInitializer? initializer = null, int fanIn = 0, int fanOut = 0)
    {
        LocalName = localName;
        Name = localName;
        Value = value;
        Trainable = trainable;
        Initializer = initializer;
        FanIn = fanIn;
        FanOut = fanOut;
        if (trainable) Grad = value.Backend.Allocate(value.Shape);
    }

    /// <summary>The name inside its layer (<c>weight</c>, <c>bias</c>, <c>running_mean</c>).</summary>
    public string LocalName { get; }

    /// <summary>The full dotted name inside the network.</summary>
    public string Name { get; internal set; }

    public Tensor Value { get; }

    /// <summary>The accumulated gradient (null for buffers). Backward passes ADD to it; optimizers zero it.</summary>
    public Tensor? Grad { get; }

    public bool Trainable { get; }

    /// <summary>
    /// Whether training leaves this weight alone (transfer learning): optimizers skip it, so it keeps its values bit for
    /// bit, and the backward pass skips what only it needed (<see cref="Graphs.Network.Freeze"/>). Its
    /// <see cref="Grad"/> is then neither computed nor zeroed and means nothing. Only trainable weights can be frozen;
    /// buffers are never trained anyway.
    /// </summary>
    /// <exception cref="InvalidOperationException">set on a buffer</exception>
    public bool Frozen
    {
        get => _frozen;
        set => _frozen = !value || Trainable ? value
            : throw new InvalidOperationException($"'{Name}' is a buffer, not a trainable weight: there is nothing to freeze.");
    }

    /// <summary>Trainable and not frozen: what an optimizer updates.</summary>
    public bool Updated => Trainable && !_frozen;
    public IInitializer? Initializer { get; }
    public int FanIn { get; }
    public int FanOut { get; }
    public Shape Shape => Value.Shape;
    public int Size => Value.Size;

    /// <summary>
    /// Draws the value from the initializer with a stream keyed by (seed, name); buffers without one keep their value,
    /// and so do tensors of the <see cref="MetaBackend"/>, which have none.
    /// </summary>
    public void Initialize(ulong seed)
    {
        if (Initializer is null || Value.Backend is MetaBackend) return;
        var values = new float[Size];
        Initializer.Initialize(values, Shape, FanIn, FanOut, new RandomStream(seed, Name));
        Value.CopyFrom(values);
    }

    public override string ToString() => $"{Name} {Shape}";
}
