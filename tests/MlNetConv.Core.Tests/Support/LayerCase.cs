using System.Collections;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Support;

/// <summary>One configuration of a layer under test: how to make it, what it is built for and what it must produce.</summary>
/// <param name="Input">(N, C, spatial...) with the batch</param>
/// <param name="Output">the expected output shape for <paramref name="Input"/></param>
/// <param name="Trainable">expected number of trainable weights</param>
/// <param name="Buffers">expected number of non-trainable values</param>
/// <param name="Options">gradient-check settings (training flag, input values away from kinks…)</param>
public sealed record LayerCase(string Name, Func<ILayer> Create, Shape Input, Shape Output, long Trainable = 0, long Buffers = 0,
    GradientCheckOptions? Options = null)
{
    /// <summary>The smallest batch the harness runs (batch norm of (N, C) needs two samples in training).</summary>
    public int MinBatch { get; init; } = 1;

    public GradientCheckReport CheckGradients() => GradientCheck.Layer(Create(), Input, Options);

    public void AssertGradients() => CheckGradients().AssertPassed();

    public void AssertShapes() => LayerHarness.Check(Create(), Input, Output, Trainable, Buffers, Options?.Training ?? true, MinBatch);

    public override string ToString() => Name;
}

/// <summary>Layer cases by name, so that a [Theory] lists each configuration as its own test.</summary>
public sealed class LayerCases(params LayerCase[] cases) : IEnumerable<LayerCase>
{
    private readonly Dictionary<string, LayerCase> _cases = cases.ToDictionary(c => c.Name);

    public LayerCase this[string name] => _cases[name];

    /// <summary>The case names, as [MemberData] for a theory taking one string.</summary>
    public TheoryData<string> Names
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in _cases.Keys) data.Add(name);
            return data;
        }
    }

    public IEnumerator<LayerCase> GetEnumerator() => _cases.Values.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
