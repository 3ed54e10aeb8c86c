namespace MlNetConv.Layers;

/// <summary>
/// A layer that works with another layer of the same network, which it names rather than holds (SegNet's max
/// unpooling reads the indices of its max-pooling layer). The name is the other layer's dotted path inside the graph
/// being built (<c>encoder3.pool</c>, as in parameter names) or any tail of that path on a dot boundary that names
/// one layer only (<c>pool</c>); an exact path wins over tails. The outermost graph binds every link in its tree when
/// it is built, before any layer is, so the name is all a saved architecture needs.
/// </summary>
public interface ILayerLink
{
    /// <summary>The other layer's dotted path, or a unique tail of it.</summary>
    string Target { get; }

    bool IsBound { get; }

    /// <summary>Connects the link to the layer its name resolved to; throws, naming both, if that layer does not fit.</summary>
    void Bind(ILayer target);
}
