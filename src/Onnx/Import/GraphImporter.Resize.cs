using MlNetConv.Geometry;
using MlNetConv.Layers;

namespace MlNetConv.Onnx.Import;

/// <summary>
/// Resize and Upsample as an <see cref="Upsample"/> layer. ONNX's modes are many (coordinate transformation, nearest
/// rounding); the engine samples as PyTorch does. So the input positions ONNX reads for every output index are computed
/// here, and the layer is used where one of its forms (scale or size, corners aligned or not) reads the same ones.
/// </summary>
internal sealed partial class GraphImporter
{
    private ImportedValue Resize(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        int rank = x.Shape.SpatialRank;
        if (rank is < 1 or > 3) throw node.Unsupported($"resizing {x.Shape}; 1 to 3 spatial axes are supported.");
        string mode = node.String("mode", "nearest");
        string transform = "asymmetric", rounding = "floor";
        double[]? scales = null;
        long[]? sizes = null;
        if (node.OpType == "Upsample" || node.Opset < 11)
        {
            if (node.OpType == "Upsample" && node.Opset < 7)
                scales = [1, 1, node.Float("height_scale", 1f), node.Float("width_scale", 1f)];
            else if (node.OpType == "Upsample" && node.Opset < 9)
                scales = node.Floats("scales")?.Select(v => (double)v).ToArray() ?? throw node.Invalid("attribute 'scales' is missing.");
            else scales = Constant(node, inputs, 1).AsReals();
            if (mode == "bilinear") mode = "linear";
        }
        else
        {
            transform = node.String("coordinate_transformation_mode", "half_pixel");
            rounding = node.String("nearest_mode", "round_prefer_floor");
            if (node.Int("antialias", 0) != 0) throw node.Unsupported("antialiasing.");
            if (node.Ints("axes") is not null) throw node.Unsupported("the axes attribute.");
            var s = OptionalConstant(node, inputs, 2);
            var z = OptionalConstant(node, inputs, 3);
            if (z is not null && z.Count > 0) sizes = z.AsIntegers();
            else if (s is not null && s.Count > 0) scales = s.AsReals();
            else throw node.Invalid("needs scales or sizes.");
        }
        if (mode is not ("nearest" or "linear")) throw node.Unsupported($"mode '{mode}'; supported: nearest, linear.");
        int full = rank + 2;
        if ((scales?.Length ?? sizes!.Length) != full) throw node.Invalid($"needs {full} scales or sizes for {x.Shape}.");
        if (scales is not null && (scales[0] != 1 || scales[1] != 1) || sizes is not null && sizes[1] != x.Shape[1])
            throw node.Unsupported("resizing the batch or channel axis.");
        var spatialScales = scales?[2..];
        var output = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            double extent = sizes is not null ? sizes[2 + i] : Math.Floor(x.Shape[2 + i] * spatialScales![i]);
            if (!(extent >= 1 && extent <= int.MaxValue)) throw node.Invalid($"gives an output extent of {extent} along axis {2 + i}.");
            output[i] = (int)extent;
        }
        var upsampleMode = mode == "nearest" ? UpsampleMode.Nearest : UpsampleMode.Linear;
        var expected = Enumerable.Range(0, rank).Select(i =>
            OnnxTaps(x.Shape[2 + i], output[i], spatialScales?[i] ?? (double)output[i] / x.Shape[2 + i], upsampleMode, transform, rounding, node)).ToArray();
        foreach (var candidate in Candidates(spatialScales, output, upsampleMode))
        {
            UpsampleGeometry geometry;
            try
            {
                geometry = UpsampleGeometry.Create(x.Shape, candidate.Scale, candidate.Size, upsampleMode, candidate.AlignCorners, node.Name);
            }
            catch (ArgumentException)
            {
                continue;
            }
            var taps = new[] { geometry.D, geometry.H, geometry.W }[(3 - rank)..];
            if (taps.Zip(expected).All(p => Same(p.First, p.Second)))
                return AddLayer(node, new Upsample(candidate.Scale, candidate.Size, upsampleMode, candidate.AlignCorners), x, node.Name);
        }
        throw node.Unsupported($"{mode} resizing with coordinate_transformation_mode '{transform}'" + (mode == "nearest" ? $" and nearest_mode '{rounding}'" : "") +
            " reads other input positions than the engine's upsampling (PyTorch's nearest, linear with or without align_corners).");
    }

    private static IEnumerable<(double[]? Scale, int[]? Size, bool AlignCorners)> Candidates(double[]? scales, int[] output, UpsampleMode mode)
    {
        foreach (bool align in mode == UpsampleMode.Linear ? new[] { false, true } : [false])
        {
            if (scales is not null) yield return (scales, null, align);
            yield return (null, output, align);
        }
    }

    private static bool Same(UpsampleTaps ours, UpsampleTaps theirs) =>
        ours.Lo.SequenceEqual(theirs.Lo) && ours.Hi.SequenceEqual(theirs.Hi) && ours.HiWeight.Zip(theirs.HiWeight).All(p => Math.Abs(p.First - p.Second) <= 1e-6f);

    /// <summary>The input positions ONNX's Resize reads for every output index along one axis.</summary>
    private static UpsampleTaps OnnxTaps(int input, int output, double scale, UpsampleMode mode, string transform, string rounding, OnnxNode node)
    {
        var lo = new int[output];
        var hi = new int[output];
        var weight = new float[output];
        for (int o = 0; o < output; o++)
        {
            double x = transform switch
            {
                "half_pixel" => (o + 0.5) / scale - 0.5,
                "pytorch_half_pixel" => output > 1 ? (o + 0.5) / scale - 0.5 : 0,
                "align_corners" => output > 1 ? o * (input - 1.0) / (output - 1) : 0,
                "asymmetric" => o / scale,
                "tf_half_pixel_for_nn" => (o + 0.5) / scale,
                _ => throw node.Unsupported($"coordinate_transformation_mode '{transform}'."),
            };
            if (mode == UpsampleMode.Nearest)
            {
                double r = rounding switch
                {
                    "round_prefer_floor" => x - Math.Floor(x) == 0.5 ? Math.Floor(x) : Math.Round(x),
                    "round_prefer_ceil" => x - Math.Floor(x) == 0.5 ? Math.Ceiling(x) : Math.Round(x),
                    "floor" => Math.Floor(x),
                    "ceil" => Math.Ceiling(x),
                    _ => throw node.Unsupported($"nearest_mode '{rounding}'."),
                };
                lo[o] = hi[o] = (int)Math.Clamp(r, 0, input - 1);
                continue;
            }
            x = Math.Clamp(x, 0, input - 1);
            lo[o] = (int)x;
            hi[o] = Math.Min(lo[o] + 1, input - 1);
            weight[o] = hi[o] == lo[o] ? 0f : (float)(x - lo[o]);
        }
        return new UpsampleTaps(lo, hi, weight);
    }
}
