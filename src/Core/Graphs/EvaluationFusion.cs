using MlNetConv.Backends;
using MlNetConv.Layers;

namespace MlNetConv.Graphs;

/// <summary>
/// The chains of a graph that evaluation runs as one pass: a convolution, then as many of these as follow, each the only
/// reader of the one before and none a graph output: a batch norm, a two-input addition (the residual), a ReLU (ResNet's
/// conv-bn-relu and conv-bn-add-relu, VGG's conv-relu). The convolution applies the others to each output while it is
/// still in cache, with the arithmetic of their own kernels, so the values are those of running the layers one by one
/// (<see cref="IFusedConvolutionKernels"/>). Found once from the graph's shape.
/// </summary>
internal sealed class EvaluationFusion
{
    private readonly Chain?[] _lastOf;
    private readonly bool[] _inside;

    private EvaluationFusion(Chain?[] lastOf, bool[] inside) => (_lastOf, _inside) = (lastOf, inside);

    /// <summary>
    /// A chain: its convolution reading node <see cref="Input"/>, and what follows it; <see cref="Residual"/> is the
    /// node the addition adds (<see cref="Graph.GraphInput"/> for the graph's input) when the epilogue adds one.
    /// </summary>
    public sealed record Chain(int Input, Convolution Convolution, ConvolutionEpilogue Epilogue, int Residual);

    /// <summary>The chains of <paramref name="nodes"/>; null when there are none.</summary>
    public static EvaluationFusion? Find(IReadOnlyList<GraphNode> nodes, IReadOnlyList<int> outputs)
    {
        var readers = new List<int>[nodes.Count];
        for (int i = 0; i < nodes.Count; i++) readers[i] = [];
        for (int i = 0; i < nodes.Count; i++)
            foreach (int input in nodes[i].Inputs)
                if (input != Graph.GraphInput) readers[input].Add(i);
        var lastOf = new Chain?[nodes.Count];
        var inside = new bool[nodes.Count];
        // The node that alone reads node i and is in no chain yet (an addition may end two: the first takes it), or -1.
        int SoleReader(int i) => !outputs.Contains(i) && readers[i].Count == 1 && !inside[readers[i][0]] && lastOf[readers[i][0]] is null ? readers[i][0] : -1;

        bool any = false;
        for (int i = 0; i < nodes.Count; i++)
        {
            if (nodes[i].Layer is not Convolution convolution) continue;
            int last = i, next = SoleReader(i), residual = int.MinValue;
            BatchNorm? norm = null;
            if (next >= 0 && nodes[next].Layer is BatchNorm bn)
            {
                inside[last] = true;
                (norm, last) = (bn, next);
                next = SoleReader(next);
            }
            if (next >= 0 && nodes[next].Merge is Add { Broadcasts: false } && nodes[next].Inputs is [int a, int b] && a != b)
            {
                inside[last] = true;
                residual = a == last ? b : a;
                last = next;
                next = SoleReader(next);
            }
            bool relu = next >= 0 && nodes[next].Layer is ReLU;
            if (relu)
            {
                inside[last] = true;
                last = next;
            }
            if (last == i) continue;
            bool adds = residual != int.MinValue;
            lastOf[last] = new Chain(nodes[i].Inputs[0], convolution, new ConvolutionEpilogue(norm?.Statistics, adds, relu), residual);
            any = true;
        }
        return any ? new EvaluationFusion(lastOf, inside) : null;
    }

    /// <summary>
    /// Whether node <paramref name="node"/> belongs to a chain: the chain when it is the last node (which runs it all),
    /// null for the nodes before it.
    /// </summary>
    public bool Covers(int node, out Chain? chain)
    {
        chain = _lastOf[node];
        return chain is not null || _inside[node];
    }
}
