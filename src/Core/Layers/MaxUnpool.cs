using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Max unpooling (SegNet's decoder upsampling): the inverse of a named earlier max-pooling layer. Every value goes to
/// the position in the pooled layer's input where its window's maximum came from, in the same pass; every other
/// position is zero (where overlapping windows chose one position twice, the values add). Input (N, C, pooled...) as
/// the pooling layer's output, output (N, C, spatial...) as its input. The pooling layer is named, not held
/// (<see cref="ILayerLink"/>): <c>new MaxUnpool2d("encoder3.pool")</c>, bound when the network is built and saved by name.
/// Backward gathers: inputGrad[o] = outputGrad[indices[o]].
/// </summary>
public abstract class MaxUnpool : Layer, ILayerLink
{
    private Pooling? _pooling;
    private Tensor? _output, _inputGrad;
    private IndexTensor? _indices;

    protected MaxUnpool(int spatialRank, string pooling, string? name) : base(name)
    {
        if (string.IsNullOrWhiteSpace(pooling)) throw new ArgumentException($"{GetType().Name}: the name of a max-pooling layer is required.");
        SpatialRank = spatialRank;
        PoolingLayer = pooling;
    }

    public int SpatialRank { get; }

    /// <summary>The dotted path (or a unique tail of it) of the max-pooling layer whose indices this layer uses.</summary>
    public string PoolingLayer { get; }

    public string Target => PoolingLayer;
    public bool IsBound => _pooling is not null;

    /// <summary>The bound pooling layer.</summary>
    public Pooling Pooling => _pooling ?? throw new InvalidOperationException($"Layer '{Name}' ({TypeName}) is not bound to its max-pooling layer '{PoolingLayer}'.");

    public void Bind(ILayer target)
    {
        if (target is not Pooling { IsMax: true } pool || target is GlobalPooling)
            throw new ArgumentException($"Layer '{Name}' ({TypeName}) refers to '{PoolingLayer}', which is {target.TypeName}, not a max-pooling layer.");
        if (pool.KernelSize.Length != SpatialRank)
            throw new ArgumentException($"Layer '{Name}' ({TypeName}) refers to '{PoolingLayer}' ({pool.TypeName}), which pools {pool.KernelSize.Length} spatial dimensions, not {SpatialRank}.");
        if (_pooling is not null && !ReferenceEquals(_pooling, pool))
            throw new InvalidOperationException($"Layer '{Name}' ({TypeName}) is already bound to another layer named '{PoolingLayer}'.");
        _pooling = pool;
    }

    private PoolGeometry Geometry => Pooling.Geometry;

    protected override Shape OnBuild(Shape input)
    {
        string layer = $"Layer '{Name}' ({TypeName})";
        if (_pooling is null)
            throw new InvalidOperationException($"{layer} refers to max-pooling layer '{PoolingLayer}', but the graph it is built in has no layer of that name.");
        if (!_pooling.IsBuilt)
            throw new InvalidOperationException($"{layer} refers to max-pooling layer '{PoolingLayer}', which is not built yet: the pooling layer must come before the unpooling layer.");
        var pooled = Geometry.OutputShape(input.N);
        if (!SameSample(input, pooled))
            throw new ArgumentException($"{layer}: expected input (N, {string.Join(", ", pooled.Skip(1))}) as max-pooling layer '{PoolingLayer}' gives, got {input}.");
        return UnpooledShape(input.N);
    }

    private Shape UnpooledShape(int batch) => new([batch, Geometry.Channels, .. Geometry.Input.ToArray(SpatialRank)]);

    public override LayerStats Stats =>
        new(InputShape.Size, 0, Int3.One, Int3.One) { Upsampling = Geometry.Stride };

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var indices = Pooling.Indices;
        if (indices is null || indices.Shape != input.Shape)
            throw new InvalidOperationException($"Layer '{Name}' ({TypeName}): max-pooling layer '{PoolingLayer}' has not pooled a batch of {input.Shape.N} in this pass (its indices are {indices?.Shape.ToString() ?? "missing"}).");
        var output = Reuse(ref _output, UnpooledShape(input.Shape.N));
        // Unpooling is max pooling's backward: each value lands on its window's argmax.
        Backend.Pooling.MaxBackward(Geometry, input, indices, output);
        _indices = indices;
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var indices = Saved(_indices, Name);
        var inputGrad = Reuse(ref _inputGrad, indices.Shape);
        Backend.Pooling.MaxUnpoolBackward(Geometry, outputGrad, indices, inputGrad);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config) => config["pooling"] = PoolingLayer;

    public override string ToString() => $"{TypeName}(pooling={PoolingLayer})";
}

/// <summary>Max unpooling over (N, C, L) with the indices of a <see cref="MaxPool1d"/>.</summary>
public sealed class MaxUnpool1d(string pooling, string? name = null) : MaxUnpool(1, pooling, name);

/// <summary>Max unpooling over (N, C, H, W) with the indices of a <see cref="MaxPool2d"/>.</summary>
public sealed class MaxUnpool2d(string pooling, string? name = null) : MaxUnpool(2, pooling, name);

/// <summary>Max unpooling over (N, C, D, H, W) with the indices of a <see cref="MaxPool3d"/>.</summary>
public sealed class MaxUnpool3d(string pooling, string? name = null) : MaxUnpool(3, pooling, name);
