using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// FCN's crop: the first input cut to the spatial extent of the second, starting at <see cref="Offset"/> — aligns an
/// upsampled score map with a skip connection or with the image. Inputs (N, C, spatial...) and (N, C', spatial'...) of
/// one rank with spatial ≥ offset + spatial'; output (N, C, spatial'...). Only the second input's shape is read, so its
/// gradient is zero. Without an offset the crop is centred: ⌊(spatial - spatial') / 2⌋ per axis.
/// </summary>
public sealed class CropTo : IMergeLayer
{
    private IBackend? _backend;
    private Tensor? _output, _inputGrad, _referenceGrad;
    private Shape[] _inputShapes = [];
    private Int3 _start;

    /// <param name="offset">where the crop starts: one value for every spatial axis or one per axis (W last); null centres it</param>
    public CropTo(int[]? offset = null, string? name = null)
    {
        if (offset is not null && (offset.Length is < 1 or > 3 || offset.Any(o => o < 0)))
            throw new ArgumentException($"CropTo: offset needs 1..3 values >= 0, got ({string.Join(", ", offset)}).");
        Offset = offset;
        Name = name ?? "";
    }

    public int[]? Offset { get; }
    public string Name { get; set; }
    public string TypeName => "CropTo";
    public Shape OutputShape { get; private set; }

    /// <summary>Where the crop starts in the first input (D, H, W) after Build.</summary>
    public Int3 Start => _start;

    public Shape Build(IBackend backend, IReadOnlyList<Shape> inputs)
    {
        string merge = $"Merge '{Name}' (CropTo)";
        if (inputs.Count != 2) throw new ArgumentException($"{merge}: needs two inputs (what to crop, and a tensor of the target size), got {inputs.Count}.");
        var (source, reference) = (inputs[0], inputs[1]);
        int rank = source.SpatialRank;
        if (rank is < 1 or > 3 || reference.Rank != source.Rank)
            throw new ArgumentException($"{merge}: inputs must be (N, C, spatial...) of one rank; input 0 is {source}, input 1 is {reference}.");
        if (source.N != reference.N) throw new ArgumentException($"{merge}: input 0 is {source}, input 1 is {reference}: the batches differ.");
        if (Offset is not null && Offset.Length != 1 && Offset.Length != rank)
            throw new ArgumentException($"{merge}: offset needs 1 or {rank} values, got {Offset.Length}.");
        var start = new int[rank];
        for (int a = 0; a < rank; a++)
        {
            int have = source[2 + a], want = reference[2 + a];
            start[a] = Offset is null ? (have - want) / 2 : Offset[Offset.Length == 1 ? 0 : a];
            if (want > have - start[a] || start[a] < 0)
                throw new ArgumentException($"{merge}: cannot cut {reference} out of {source} at offset ({string.Join(", ", start.Take(a + 1))}{(a + 1 < rank ? ", ..." : "")}).");
        }
        _backend = backend;
        _start = Int3.FromSpatial(start, fill: 0);
        _inputShapes = [source, reference];
        return OutputShape = reference.WithChannels(source.C);
    }

    public LayerStats Stats => LayerStats.None;

    public Tensor Forward(IReadOnlyList<Tensor> inputs)
    {
        var backend = _backend ?? throw new InvalidOperationException($"Merge '{Name}' is used before Build.");
        for (int i = 0; i < 2; i++)
            if (inputs[i].Shape.Rank != _inputShapes[i].Rank || !inputs[i].Shape.Skip(1).SequenceEqual(_inputShapes[i].Skip(1)) || inputs[i].Shape.N != inputs[0].Shape.N)
                throw new ArgumentException($"Merge '{Name}' (CropTo): input {i} is {inputs[i].Shape}, expected (N, {string.Join(", ", _inputShapes[i].Skip(1))}) with one N for both.");
        var output = backend.Reuse(ref _output, OutputShape.WithBatch(inputs[0].Shape.N));
        backend.Elementwise.CopyRegion(inputs[0], _start, output, default, Spatial(output.Shape));
        return output;
    }

    public IReadOnlyList<Tensor> Backward(Tensor outputGrad)
    {
        var backend = _backend!;
        int n = outputGrad.Shape.N;
        var inputGrad = backend.Reuse(ref _inputGrad, _inputShapes[0].WithBatch(n));
        backend.Elementwise.Fill(inputGrad, 0f);
        backend.Elementwise.CopyRegion(outputGrad, default, inputGrad, _start, Spatial(outputGrad.Shape));
        var referenceGrad = backend.Reuse(ref _referenceGrad, _inputShapes[1].WithBatch(n));
        backend.Elementwise.Fill(referenceGrad, 0f);
        return [inputGrad, referenceGrad];
    }

    private static Int3 Spatial(Shape shape)
    {
        var (d, h, w) = shape.Spatial3d;
        return new Int3(d, h, w);
    }

    public void WriteConfig(JsonObject config)
    {
        if (Offset is not null) config["offset"] = Json.Ints(Offset);
    }

    public override string ToString() => Offset is null ? "CropTo(centre)" : $"CropTo(offset={Json.Text(Offset)})";
}
