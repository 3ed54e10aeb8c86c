using MlNetConv.Backends.Cpu;
using MlNetConv.Backends.Meta;
using MlNetConv.Graphs;
using MlNetConv.Summary;
using MlNetConv.Tensors;
using MlNetConv.Zoo;

namespace MlNetConv.Tests.Backends;

/// <summary>The meta backend infers shapes and creates parameters like a compute backend, without storage or kernels.</summary>
public sealed class MetaBackendTests
{
    private static Sequential Small() => new NetworkBuilder()
        .Conv2d(4, 3, padding: 1, bias: false).BatchNorm2d().ReLU().MaxPool2d(2).Flatten().Dropout(0.2f).Dense(3).Build();

    private static readonly Shape Sample = new(2, 8, 8);

    [Fact]
    public void BuildsTheSameParametersAndSummaryAsTheCpu()
    {
        using var cpu = new Network(Small(), Sample, new CpuBackend());
        using var meta = new Network(Small(), Sample, MetaBackend.Default);
        Assert.Equal(cpu.Parameters.Select(p => (p.Name, p.Shape, p.Trainable)), meta.Parameters.Select(p => (p.Name, p.Shape, p.Trainable)));
        Assert.Equal(cpu.OutputShapes, meta.OutputShapes);
        Assert.Equal(ModelSummary.Of(cpu).ToString(), ModelSummary.Of(meta).ToString());
    }

    [Fact]
    public void HoldsNoValuesAndRunsNoKernels()
    {
        using var network = new Network(Small(), Sample, MetaBackend.Default);
        var input = MetaBackend.Default.Allocate(network.InputShape);
        Assert.Throws<NotSupportedException>(() => network.Forward(input));
        Assert.Throws<NotSupportedException>(() => network.Parameters[0].Value.ToArray());
        Assert.Throws<NotSupportedException>(() => input.CopyFrom(new float[input.Size]));
    }

    [Fact]
    public void SummaryOfAnArchitectureLeavesItUnbuilt()
    {
        var architecture = Architectures.ResNet18(10);
        var summary = ModelSummary.Of(architecture, new Shape(3, 32, 32));
        Assert.False(architecture.IsBuilt);
        Assert.Equal(new Shape(1, 10), summary["fc"].OutputShape);
        // The architecture can still be built for real afterwards.
        using var network = new Network(architecture, new Shape(3, 32, 32));
        Assert.Equal(summary.TotalParameters, network.ParameterCount);
    }
}
