using MlNetConv.Tensors;

namespace MlNetConv.Geometry;

/// <summary>What a border pad copies into the padding (PyTorch's <c>F.pad</c> modes, ONNX's Pad modes).</summary>
public enum BorderMode
{
    /// <summary>The input mirrored at its edge, the edge itself not repeated: (a b c d) padded by 2 reads (c b a b c d c b) (ONNX's reflect).</summary>
    Reflect,

    /// <summary>The edge value repeated: (a b c d) padded by 2 reads (a a a b c d d d) (ONNX's edge).</summary>
    Replicate,
}

/// <summary>
/// A reflection or replication pad of 1..3 spatial axes: per axis (D, H, W; fewer axes pad in front with extent one and no
/// padding) the input extent and the counts added before and after. Forward, output index o along an axis copies input
/// <see cref="Source"/>(o); backward, input index i gathers the output indices of <see cref="PreimageStart"/> and <see cref="PreimageCount"/>, at most three runs
/// (in the padding before, inside, in the padding after). The one home of these index rules for every backend.
/// </summary>
public readonly record struct BorderPadGeometry(BorderMode Mode, Int3 Input, Int3 Begin, Int3 End)
{
    public Int3 Output => new(Input.D + Begin.D + End.D, Input.H + Begin.H + End.H, Input.W + Begin.W + End.W);

    /// <param name="input">(N, C, spatial...) with 1..3 spatial axes</param>
    /// <param name="begin">the count before each spatial axis (W last), >= 0</param>
    /// <param name="end">the count after each spatial axis, >= 0</param>
    /// <param name="who">the layer, for messages</param>
    /// <exception cref="ArgumentException">the counts do not fit the input</exception>
    public static BorderPadGeometry Create(Shape input, IReadOnlyList<int> begin, IReadOnlyList<int> end, BorderMode mode, string who)
    {
        int rank = input.SpatialRank;
        if (rank is < 1 or > 3 || begin.Count != rank || end.Count != rank)
            throw new ArgumentException($"{who}: padding of {begin.Count} spatial axes needs input of rank {begin.Count + 2}, got {input}.");
        for (int a = 0; a < rank; a++)
        {
            int extent = input[2 + a];
            if (begin[a] < 0 || end[a] < 0) throw new ArgumentException($"{who}: pads must be >= 0, got {begin[a]} and {end[a]} on spatial axis {a}.");
            if (mode == BorderMode.Reflect && (begin[a] >= extent || end[a] >= extent))
                throw new ArgumentException($"{who}: reflection pads must be smaller than the extent they mirror; spatial axis {a} of {input} has {extent}, pads {begin[a]} and {end[a]}.");
            if (extent == 0) throw new ArgumentException($"{who}: input {input} is empty along spatial axis {a}; there is no edge to copy.");
            if ((long)extent + begin[a] + end[a] > int.MaxValue) throw new ArgumentException($"{who}: padding {input} by {begin[a]} and {end[a]} overflows.");
        }
        var geometry = new BorderPadGeometry(mode, Int3.FromSpatial(input.Skip(2).ToArray()), Int3.FromSpatial(begin, fill: 0), Int3.FromSpatial(end, fill: 0));
        if ((long)input.N * input.C * geometry.Output.D * geometry.Output.H * geometry.Output.W > int.MaxValue)
            throw new ArgumentException($"{who}: padding {input} gives more than {int.MaxValue} elements.");
        return geometry;
    }

    /// <summary>The output shape for a batch of <paramref name="input"/> (N, C, spatial...).</summary>
    public Shape OutputShape(Shape input)
    {
        var output = Output.ToArray(input.SpatialRank);
        return new Shape([input.N, input.C, .. output]);
    }

    /// <summary>
    /// The one check of a border-pad kernel's arguments, made on entry by every backend: input (N, C, spatial...) of the
    /// geometry's input extents, output (N, C, spatial...) of its output extents.
    /// </summary>
    /// <exception cref="ArgumentException">the shapes do not fit the geometry</exception>
    public void Check(string operation, Shape input, Shape output)
    {
        int rank = input.SpatialRank;
        bool ok = rank is >= 1 and <= 3 && output.Rank == input.Rank && output.N == input.N && output.C == input.C
            && Int3.FromSpatial(input.Skip(2).ToArray()) == Input && Int3.FromSpatial(output.Skip(2).ToArray()) == Output;
        if (!ok)
            throw new ArgumentException($"Border pad {operation}: input {input} and output {output} do not fit a pad of {Input} by {Begin} before and {End} after: "
                + "both need one N, C and rank, the input the geometry's extents and the output those plus the pads.");
    }

    /// <summary>The input index output index <paramref name="o"/> copies along an axis of <paramref name="length"/> padded by <paramref name="begin"/> before.</summary>
    public static int Source(BorderMode mode, int o, int length, int begin)
    {
        int i = o - begin;
        if (mode == BorderMode.Replicate) return i < 0 ? 0 : i >= length ? length - 1 : i;
        if (i < 0) i = -i;
        return i >= length ? 2 * (length - 1) - i : i;
    }

    /// <summary>
    /// The first of run <paramref name="part"/> (0: in the padding before, 1: inside, 2: in the padding after) of the output
    /// indices that copy input index <paramref name="i"/> along an axis of <paramref name="length"/> padded by
    /// <paramref name="begin"/> before; <see cref="PreimageCount"/> says how many there are.
    /// </summary>
    public static int PreimageStart(BorderMode mode, int i, int part, int length, int begin) => part switch
    {
        0 => mode == BorderMode.Replicate ? 0 : begin - i,
        1 => begin + i,
        _ => mode == BorderMode.Replicate ? begin + length : begin + 2 * (length - 1) - i,
    };

    /// <summary>How many output indices run <paramref name="part"/> of <see cref="PreimageStart"/> holds (0: none).</summary>
    public static int PreimageCount(BorderMode mode, int i, int part, int length, int begin, int end)
    {
        if (part == 1) return 1;
        if (mode == BorderMode.Replicate) return part == 0 ? (i == 0 ? begin : 0) : (i == length - 1 ? end : 0);
        return part == 0 ? (i >= 1 && i <= begin ? 1 : 0) : (i <= length - 2 && i > length - 2 - end ? 1 : 0);
    }
}
