using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Inspection;

/// <summary>
/// One leaf layer or merge of a network, with nested graphs flattened: its dotted path (the names <see cref="Summary.ModelSummary"/>
/// prints), what it is, the nodes it reads and the shape of one sample of its output.
/// </summary>
/// <param name="Index">position in <see cref="NetworkInspector.Nodes"/>, in evaluation order</param>
/// <param name="Inputs">indices of the nodes read, in order; <see cref="NetworkInspector.NetworkInput"/> for the network's input</param>
/// <param name="OutputShape">one sample of the output: (C), (C, W), (C, H, W) or (C, D, H, W)</param>
public sealed record InspectedNode(int Index, string Path, string TypeName, string Description, ILayer? Layer, IMergeLayer? Merge,
    IReadOnlyList<int> Inputs, Shape OutputShape)
{
    /// <summary>Channels of the output (features of a vector).</summary>
    public int Channels => OutputShape[0];

    /// <summary>Rows of one output map: 1 for vectors and 1D signals.</summary>
    public int Height => OutputShape.Rank >= 3 ? OutputShape[^2] : 1;

    /// <summary>Columns of one output map: 1 for vectors.</summary>
    public int Width => OutputShape.Rank >= 2 ? OutputShape[^1] : 1;
}
