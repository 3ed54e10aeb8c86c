using MlNetConv.Backends.Meta;
using MlNetConv.Graphs;
using MlNetConv.Tensors;
using MlNetConv.Zoo;

namespace MlNetConv.Tests.Zoo;

/// <summary>Every architecture survives a round trip through its saved form (LayerRegistry JSON) with the same parameters.</summary>
public sealed class ArchitectureCloneTests
{
    public static TheoryData<string> Names => new(ZooCases.Names);

    [Theory, MemberData(nameof(Names))]
    public void CloneKeepsParameterNamesShapesAndOutputs(string name)
    {
        var zooCase = ZooCases.Get(name);
        using var original = new Network(zooCase.Create(), zooCase.Input, MetaBackend.Default);
        using var clone = new Network(Architectures.Clone(zooCase.Create()), zooCase.Input, MetaBackend.Default);
        Assert.Equal(original.Parameters.Select(p => (p.Name, p.Shape, p.Trainable)), clone.Parameters.Select(p => (p.Name, p.Shape, p.Trainable)));
        Assert.Equal(original.ParameterCount, clone.ParameterCount);
        Assert.Equal(original.OutputShapes, clone.OutputShapes);
        Assert.Equal(original.Root.Name, clone.Root.Name);
    }
}
