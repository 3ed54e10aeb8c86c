using ILGPU;
using ILGPU.Runtime;
using MlNetConv.Geometry;

namespace MlNetConv.Gpu.Kernels;

/// <summary>
/// A convolution's channel connections on the device, for the direct kernels: for output channel o the input channels
/// Inputs[First[o] .. First[o+1]) with weight rows First[o] + j; for input channel c the pairs
/// (ReverseOutputs[r], ReverseConnections[r]) for r in [ReverseFirst[c], ReverseFirst[c+1]). Groups and connection
/// tables are both just lists here.
/// </summary>
internal sealed class ConvTable : IDisposable
{
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _inputs, _outputs, _first, _reverseFirst, _reverseOutputs, _reverseConnections;

    public ConvTable(Accelerator accelerator, ConvGeometry g)
    {
        var inputs = g.InputsOf.SelectMany(a => a).ToArray();
        var first = g.FirstConnection.Append(g.Connections).ToArray();
        var pairs = Enumerable.Range(0, g.OutChannels)
            .SelectMany(o => g.InputsOf[o].Select((c, j) => (Input: c, Output: o, Connection: g.FirstConnection[o] + j)))
            .OrderBy(p => p.Input).ThenBy(p => p.Output).ToArray();
        var reverseFirst = new int[g.InChannels + 1];
        foreach (var p in pairs) reverseFirst[p.Input + 1]++;
        for (int c = 0; c < g.InChannels; c++) reverseFirst[c + 1] += reverseFirst[c];
        _inputs = accelerator.Allocate1D(inputs);
        _outputs = accelerator.Allocate1D(Enumerable.Range(0, g.OutChannels).SelectMany(o => g.InputsOf[o].Select(_ => o)).ToArray());
        _first = accelerator.Allocate1D(first);
        _reverseFirst = accelerator.Allocate1D(reverseFirst);
        _reverseOutputs = accelerator.Allocate1D(pairs.Select(p => p.Output).ToArray());
        _reverseConnections = accelerator.Allocate1D(pairs.Select(p => p.Connection).ToArray());
    }

    public ArrayView<int> Inputs => _inputs.View;
    public ArrayView<int> First => _first.View;

    /// <summary>The output channel of every connection (weight row).</summary>
    public ArrayView<int> Outputs => _outputs.View;
    public ArrayView<int> ReverseFirst => _reverseFirst.View;
    public ArrayView<int> ReverseOutputs => _reverseOutputs.View;
    public ArrayView<int> ReverseConnections => _reverseConnections.View;

    public void Dispose()
    {
        _inputs.Dispose();
        _outputs.Dispose();
        _first.Dispose();
        _reverseFirst.Dispose();
        _reverseOutputs.Dispose();
        _reverseConnections.Dispose();
    }
}
