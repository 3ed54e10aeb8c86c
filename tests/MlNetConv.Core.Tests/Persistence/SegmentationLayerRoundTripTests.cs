using MlNetConv.Geometry;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Persistence;

/// <summary>Every layer the segmentation networks add survives its saved form (LayerRegistry JSON) with the same configuration and outputs.</summary>
public sealed class SegmentationLayerRoundTripTests
{
    private static readonly Dictionary<string, (Func<ILayer> Create, Shape Sample)> Layers = new()
    {
        ["ConvTranspose1d"] = (() => new ConvTranspose1d(3, 3, stride: 2, padding: 1, outputPadding: 1, dilation: 2, groups: 1, bias: false), new Shape(2, 5)),
        ["ConvTranspose2d"] = (() => new ConvTranspose2d(4, (3, 2), (2, 1), (1, 0), (1, 0), (1, 2), groups: 2), new Shape(2, 4, 5)),
        ["ConvTranspose3d"] = (() => new ConvTranspose3d(2, 2, stride: 2), new Shape(2, 2, 2, 2)),
        ["Upsample_scale"] = (() => new Upsample(1.5, UpsampleMode.Linear, alignCorners: true), new Shape(2, 4, 4)),
        ["Upsample_size"] = (() => new Upsample([5, 7]), new Shape(2, 3, 3)),
        ["LocallyConnected2d"] = (() => new LocallyConnected2d(3, 3, stride: 2, padding: 1, bias: false), new Shape(2, 5, 5)),
        ["Maxout"] = (() => new Maxout(2), new Shape(4, 3, 3)),
        ["LPPool2d"] = (() => new LPPool2d(3, 2, 1, ceilMode: true), new Shape(2, 5, 5)),
        ["LPPool1d"] = (() => new LPPool1d(2, 3), new Shape(2, 9)),
        ["ZeroPad2d"] = (() => new ZeroPad2d(1, 2, 3, 0), new Shape(2, 3, 3)),
        ["MaxUnpool_in_chain"] = (() => new NetworkBuilder().MaxPool2d(2, name: "pool").Conv2d(2, 1).MaxUnpool2d("pool").Build(), new Shape(2, 4, 4)),
        ["CropTo_in_graph"] = (() =>
        {
            var g = new GraphBuilder();
            var up = g.Add(new ConvTranspose2d(2, 4, stride: 2), g.Input);
            return g.Build(g.Merge(new CropTo([1, 2], "crop"), up, g.Input));
        }, new Shape(2, 4, 4)),
        ["CropTo_centred_in_graph"] = (() =>
        {
            var g = new GraphBuilder();
            return g.Build(g.Merge(new CropTo(), g.Add(new Upsample(3), g.Input), g.Input));
        }, new Shape(2, 3, 3)),
    };

    public static TheoryData<string> Names => new(Layers.Keys);

    [Theory, MemberData(nameof(Names))]
    public void SavedLayer_HasTheSameConfigurationAndOutputs(string name) => LayerRoundTrip.AssertSameLayer(Layers[name].Create(), Layers[name].Sample);
}
