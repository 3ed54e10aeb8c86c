using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Global average or max pooling: (N, C, spatial...) -> (N, C), one window over the whole map. Replaces a large
/// dense layer with no weights at all (Network in Network, GoogLeNet, ResNet).
/// </summary>
public abstract class GlobalPooling(bool isMax, string? name) : Pooling(isMax, 0, default, null, null, null, false, true, name)
{
    protected override PoolGeometry CreateGeometry(Shape input, string layer) => PoolGeometry.Global(input, layer);

    protected override Shape OutputShapeOf(Shape pooled) => new(pooled.N, pooled.C);

    public override void WriteConfig(JsonObject config) { }

    public override string ToString() => TypeName;
}

public sealed class GlobalAvgPool(string? name = null) : GlobalPooling(false, name);

public sealed class GlobalMaxPool(string? name = null) : GlobalPooling(true, name);
