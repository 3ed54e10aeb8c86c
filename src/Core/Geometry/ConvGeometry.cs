using MlNetConv.Tensors;

namespace MlNetConv.Geometry;

/// <summary>
/// Everything a convolution kernel needs to know about one layer at one input size: channels, groups or a
/// connection table, kernel, stride, dilation, padding and the resulting output extent. 1D and 2D convolutions
/// are 3D convolutions with leading extents of one.
/// </summary>
public sealed class ConvGeometry
{
    private ConvGeometry() { }

    public int SpatialRank { get; private init; }
    public int InChannels { get; private init; }
    public int OutChannels { get; private init; }
    public int Groups { get; private init; }
    public Int3 Input { get; private init; }
    public Int3 Output { get; private init; }
    public Int3 Kernel { get; private init; }
    public Int3 Stride { get; private init; }
    public Int3 Dilation { get; private init; }
    public Int3 PadBegin { get; private init; }
    public Int3 PadEnd { get; private init; }
    public ConnectionTable? Table { get; private init; }

    /// <summary>The input extent one window spans, d(k-1) + 1 along every dimension.</summary>
    public Int3 WindowExtent => OutputSize.WindowExtent(Kernel, Dilation);

    /// <summary>For every output channel the input channels it reads.</summary>
    public int[][] InputsOf { get; private init; } = [];

    /// <summary>For every output channel the index of its first connection (row of the weight tensor).</summary>
    public int[] FirstConnection { get; private init; } = [];

    /// <summary>Total (output, input) channel pairs: one kernel of weights each.</summary>
    public int Connections { get; private init; }

    public int KernelVolume => Kernel.Volume;

    /// <summary>(Cout, Cin/groups, kernel...) or, with a table, (Connections, kernel...).</summary>
    public Shape WeightShape => Table is null
        ? new Shape([OutChannels, InChannels / Groups, .. Kernel.ToArray(SpatialRank)])
        : new Shape([Connections, .. Kernel.ToArray(SpatialRank)]);

    /// <summary>Output shape for a batch of <paramref name="batch"/>.</summary>
    public Shape OutputShape(int batch) => new([batch, OutChannels, .. Output.ToArray(SpatialRank)]);

    /// <summary>Input shape for a batch of <paramref name="batch"/>.</summary>
    public Shape InputShape(int batch) => new([batch, InChannels, .. Input.ToArray(SpatialRank)]);

    /// <summary>
    /// The one check of a convolution kernel's arguments, made on entry by every backend (their loops, some behind raw
    /// pointers, trust the shapes): the tensors are this geometry's for the input's batch size.
    /// </summary>
    /// <param name="operation">what was called, for the message ("forward", "backward (data)", ...)</param>
    /// <param name="input">(N, Cin, spatial...)</param>
    /// <param name="weight"><see cref="WeightShape"/></param>
    /// <param name="bias">(Cout) or null</param>
    /// <param name="output">(N, Cout, outSpatial...)</param>
    /// <exception cref="ArgumentException">a shape differs from the geometry's</exception>
    public void CheckArguments(string operation, Shape input, Shape weight, Shape? bias, Shape output)
    {
        int n = input.Rank == SpatialRank + 2 ? input.N : 0;
        if (input != InputShape(n) || output != OutputShape(n) || weight != WeightShape || bias is { } b && b != new Shape(OutChannels))
            throw new ArgumentException($"Convolution {operation}: got input {input}, weight {weight}{(bias is { } given ? $", bias {given}" : "")} and output {output}; "
                + $"the geometry needs input {InputShape(n)}, weight {WeightShape}, bias ({OutChannels}) and output {OutputShape(n)}.");
    }

    /// <summary>Validates the configuration against the input shape and resolves padding and output size.</summary>
    /// <param name="input">(N, Cin, spatial...)</param>
    /// <param name="layer">name used in error messages</param>
    public static ConvGeometry Create(Shape input, int outChannels, int[] kernel, int[] stride, int[] dilation, Padding padding,
        int groups, ConnectionTable? table, string layer)
    {
        int rank = kernel.Length;
        if (input.Rank != rank + 2)
            throw new ArgumentException($"{layer}: expected input of rank {rank + 2} (N, C, {SpatialNames(rank)}), got shape {input}.");
        int inChannels = input.C;
        if (outChannels <= 0) throw new ArgumentException($"{layer}: out_channels must be positive, got {outChannels}.");
        if (groups <= 0) throw new ArgumentException($"{layer}: groups must be positive, got {groups}.");
        if (inChannels % groups != 0) throw new ArgumentException($"{layer}: in_channels must be divisible by groups ({inChannels} % {groups} != 0).");
        if (outChannels % groups != 0) throw new ArgumentException($"{layer}: out_channels must be divisible by groups ({outChannels} % {groups} != 0).");
        CheckPositive(kernel, "kernel_size", layer);
        CheckPositive(stride, "stride", layer);
        CheckPositive(dilation, "dilation", layer);
        if (stride.Length != rank || dilation.Length != rank)
            throw new ArgumentException($"{layer}: kernel, stride and dilation need {rank} values each.");

        int[][] inputsOf;
        if (table is not null)
        {
            if (groups != 1) throw new ArgumentException($"{layer}: a connection table and groups > 1 cannot be combined.");
            if (table.InputChannels != inChannels || table.OutputChannels != outChannels)
                throw new ArgumentException($"{layer}: the connection table is {table.InputChannels} -> {table.OutputChannels} maps, but the layer is {inChannels} -> {outChannels}.");
            inputsOf = table.ToArrays();
        }
        else
        {
            int perGroupIn = inChannels / groups, perGroupOut = outChannels / groups;
            inputsOf = new int[outChannels][];
            for (int o = 0; o < outChannels; o++)
                inputsOf[o] = Enumerable.Range(o / perGroupOut * perGroupIn, perGroupIn).ToArray();
        }
        var first = new int[outChannels];
        int connections = 0;
        for (int o = 0; o < outChannels; o++)
        {
            first[o] = connections;
            connections += inputsOf[o].Length;
        }

        var inExtent = Int3.FromSpatial(input.Skip(2).ToArray());
        var k = Int3.FromSpatial(kernel);
        var s = Int3.FromSpatial(stride);
        var d = Int3.FromSpatial(dilation);
        var (padBegin, padEnd) = padding.Resolve(rank, inExtent, k, s, d, layer);
        var output = new Int3(
            OutputSize.Compute(inExtent.D, k.D, s.D, padBegin.D, padEnd.D, d.D),
            OutputSize.Compute(inExtent.H, k.H, s.H, padBegin.H, padEnd.H, d.H),
            OutputSize.Compute(inExtent.W, k.W, s.W, padBegin.W, padEnd.W, d.W));
        if (output.Volume <= 0)
            throw new ArgumentException($"{layer}: input {input} is too small for kernel {string.Join("x", kernel)} with dilation {string.Join("x", dilation)} and padding {padding}: the output would be empty.");

        return new ConvGeometry
        {
            SpatialRank = rank, InChannels = inChannels, OutChannels = outChannels, Groups = groups,
            Input = inExtent, Output = output, Kernel = k, Stride = s, Dilation = d, PadBegin = padBegin, PadEnd = padEnd,
            Table = table, InputsOf = inputsOf, FirstConnection = first, Connections = connections,
        };
    }

    internal static void CheckPositive(int[] values, string what, string layer)
    {
        if (values.Length is < 1 or > 3) throw new ArgumentException($"{layer}: {what} needs 1..3 values, got {values.Length}.");
        if (values.Any(v => v <= 0)) throw new ArgumentException($"{layer}: {what} must be positive, got ({string.Join(", ", values)}).");
    }

    internal static string SpatialNames(int rank) => rank switch { 1 => "L", 2 => "H, W", 3 => "D, H, W", _ => "?" };
}
