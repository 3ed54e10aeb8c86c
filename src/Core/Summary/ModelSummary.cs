using System.Globalization;
using System.Text;
using MlNetConv.Backends.Meta;
using MlNetConv.Geometry;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Summary;

/// <summary>One row of the summary: a leaf layer or merge with its dotted name.</summary>
/// <param name="Connections">multiply-accumulates plus one per bias, per output (LeNet's count)</param>
/// <param name="ReceptiveField">input pixels (D, H, W) one output element sees</param>
public sealed record LayerSummary(string Name, string Layer, Shape OutputShape, long Parameters, long Connections, long MultiplyAccumulates, Int3 ReceptiveField);

/// <summary>
/// Per layer: output shape, trainable parameters, connections, multiply-accumulates and receptive field; plus totals.
/// Receptive fields follow r_out = r_in + (k_eff - 1)·j_in, j_out = j_in·s along every path (the widest wins at merges).
/// </summary>
public sealed class ModelSummary
{
    private ModelSummary(IReadOnlyList<LayerSummary> rows, Shape input)
    {
        Rows = rows;
        InputShape = input;
    }

    public IReadOnlyList<LayerSummary> Rows { get; }
    public Shape InputShape { get; }
    public long TotalParameters => Rows.Sum(r => r.Parameters);
    public long TotalConnections => Rows.Sum(r => r.Connections);
    public long TotalMultiplyAccumulates => Rows.Sum(r => r.MultiplyAccumulates);

    public LayerSummary this[string name] => Rows.FirstOrDefault(r => r.Name == name)
        ?? throw new KeyNotFoundException($"The summary has no layer named '{name}'.");

    public static ModelSummary Of(Network network)
    {
        var rows = new List<LayerSummary>();
        Walk(network.Root, "", Field.Pixel, rows, isRoot: true);
        return new ModelSummary(rows, network.InputShape);
    }

    /// <summary>
    /// The summary of an architecture for one sample shape (C, spatial...), from shapes alone: a copy is built on the
    /// <see cref="MetaBackend"/>, so no weight is allocated (VGG-19 is counted in milliseconds) and
    /// <paramref name="architecture"/> stays unbuilt.
    /// </summary>
    public static ModelSummary Of(ILayer architecture, Shape sampleShape)
    {
        using var network = new Network(LayerRegistry.ReadLayer(LayerRegistry.ToJson(architecture)), sampleShape, MetaBackend.Default);
        return Of(network);
    }

    /// <summary>
    /// Receptive field size and jump (input pixels between neighbouring outputs) along (D, H, W). After upsampling the
    /// jump is a fraction of a pixel, so both are kept as reals and the size is rounded up when reported.
    /// </summary>
    private readonly record struct Field(double SizeD, double SizeH, double SizeW, double JumpD, double JumpH, double JumpW)
    {
        public static Field Pixel => new(1, 1, 1, 1, 1, 1);

        public Int3 Size => new((int)Math.Ceiling(SizeD - 1e-9), (int)Math.Ceiling(SizeH - 1e-9), (int)Math.Ceiling(SizeW - 1e-9));

        public Field Through(LayerStats s)
        {
            // The window slides over a grid Upsampling times finer than the input, then steps by its stride.
            double jd = JumpD / s.Upsampling.D, jh = JumpH / s.Upsampling.H, jw = JumpW / s.Upsampling.W;
            return new(SizeD + (s.WindowExtent.D - 1) * jd, SizeH + (s.WindowExtent.H - 1) * jh, SizeW + (s.WindowExtent.W - 1) * jw,
                jd * s.WindowStride.D, jh * s.WindowStride.H, jw * s.WindowStride.W);
        }

        public static Field Widest(IEnumerable<Field> fields) => fields.MaxBy(f => f.SizeD * f.SizeH * f.SizeW);
    }

    private static Field Walk(ILayer layer, string path, Field input, List<LayerSummary> rows, bool isRoot = false)
    {
        if (layer is not Graph graph)
        {
            var stats = layer.Stats;
            var field = input.Through(stats);
            long parameters = layer.Parameters.Where(p => p.Trainable).Sum(p => (long)p.Size);
            rows.Add(new LayerSummary(path + layer.Name, layer.ToString() ?? layer.TypeName, layer.OutputShape, parameters,
                stats.Connections, stats.MultiplyAccumulates, field.Size));
            return field;
        }
        // The root graph adds no prefix (parameter names start below it); nested graphs add their name.
        string prefix = isRoot ? "" : path + graph.Name + ".";
        var fields = new Field[graph.Nodes.Count];
        Field FieldOf(int i) => i == Graph.GraphInput ? input : fields[i];
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (node.Layer is not null) fields[i] = Walk(node.Layer, prefix, FieldOf(node.Inputs[0]), rows);
            else
            {
                fields[i] = Field.Widest(node.Inputs.Select(FieldOf));
                var stats = node.Merge!.Stats;
                rows.Add(new LayerSummary(prefix + node.Name, node.Merge.ToString() ?? node.TypeName, node.Merge.OutputShape, 0,
                    stats.Connections, stats.MultiplyAccumulates, fields[i].Size));
            }
        }
        return Field.Widest(graph.OutputNodes.Select(o => fields[o]));
    }

    /// <summary>A printable table with totals; the last lines are <c>total params: N</c> and <c>total macs: N</c>.</summary>
    public override string ToString()
    {
        var inv = CultureInfo.InvariantCulture;
        string[] header = ["layer", "type", "output shape", "params", "connections", "macs", "receptive field"];
        var table = Rows.Select(r => new[]
        {
            r.Name, r.Layer, r.OutputShape.ToString(), r.Parameters.ToString("N0", inv), r.Connections.ToString("N0", inv),
            r.MultiplyAccumulates.ToString("N0", inv), FieldText(r.ReceptiveField, r.OutputShape.SpatialRank),
        }).ToList();
        var widths = header.Select((h, c) => Math.Max(h.Length, table.Count == 0 ? 0 : table.Max(row => row[c].Length))).ToArray();
        var sb = new StringBuilder();
        sb.AppendLine($"input {InputShape}");
        void Line(string[] cells) => sb.AppendLine(string.Join("  ", cells.Select((c, i) => i >= 3 && i <= 5 ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd());
        Line(header);
        sb.AppendLine(new string('-', widths.Sum() + 2 * (widths.Length - 1)));
        foreach (var row in table) Line(row);
        sb.AppendLine(new string('-', widths.Sum() + 2 * (widths.Length - 1)));
        sb.AppendLine($"total connections: {TotalConnections.ToString(inv)}");
        sb.AppendLine($"total params: {TotalParameters.ToString(inv)}");
        sb.Append($"total macs: {TotalMultiplyAccumulates.ToString(inv)}");
        return sb.ToString();
    }

    private static string FieldText(Int3 f, int spatialRank) => spatialRank switch
    {
        <= 0 => $"{f.H}x{f.W}",
        1 => $"{f.W}",
        2 => $"{f.H}x{f.W}",
        _ => $"{f.D}x{f.H}x{f.W}",
    };
}
