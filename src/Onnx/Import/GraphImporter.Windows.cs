using MlNetConv.Geometry;
using MlNetConv.Layers;

namespace MlNetConv.Onnx.Import;

/// <summary>Operators with a sliding window or per-channel statistics: convolutions, pooling, batch and response normalisation.</summary>
internal sealed partial class GraphImporter
{
    private ImportedValue Conv(OnnxNode node, ImportedValue?[] inputs)
    {
        var (x, w, b, rank, groups, kernel) = Weighted(node, inputs);
        if (x.Shape.C != w.Dims[1] * groups)
            throw node.Invalid($"input {x.Shape} has {x.Shape.C} channels; the weight [{string.Join(", ", w.Dims)}] with {groups} groups takes {w.Dims[1] * groups}.");
        int outChannels = (int)w.Dims[0];
        if (b is not null && b.Count != outChannels) throw node.Invalid($"the bias has {b.Count} values for {outChannels} output channels.");
        var stride = node.Ints("strides", rank, 1, min: 1);
        var dilation = node.Ints("dilations", rank, 1, min: 1);
        var padding = WindowPadding(node, rank, symmetricWhereEqual: true);
        bool bias = b is not null;
        ILayer layer = rank switch
        {
            1 => new Conv1d(outChannels, kernel, stride, padding, dilation, groups, bias),
            2 => new Conv2d(outChannels, kernel, stride, padding, dilation, groups, bias),
            _ => new Conv3d(outChannels, kernel, stride, padding, dilation, groups, bias),
        };
        return AddLayer(node, layer, x, LayerName(node, (1, "weight"), (2, "bias")), ("weight", w), ("bias", b));
    }

    /// <summary>
    /// ConvTranspose: weight (Cin, Cout/groups, k...), as PyTorch's. Padding from pads, or from output_shape or auto_pad
    /// with ONNX's split of the total (SAME_UPPER: the smaller half first), always as explicit begin and end.
    /// </summary>
    private ImportedValue ConvTranspose(OnnxNode node, ImportedValue?[] inputs)
    {
        var (x, w, b, rank, groups, kernel) = Weighted(node, inputs);
        if (x.Shape.C != w.Dims[0]) throw node.Invalid($"input {x.Shape} has {x.Shape.C} channels; the weight [{string.Join(", ", w.Dims)}] takes {w.Dims[0]}.");
        long outChannelsLong = w.Dims[1] * groups;
        if (outChannelsLong > int.MaxValue) throw node.Invalid("too many output channels.");
        int outChannels = (int)outChannelsLong;
        if (b is not null && b.Count != outChannels) throw node.Invalid($"the bias has {b.Count} values for {outChannels} output channels.");
        var stride = node.Ints("strides", rank, 1, min: 1);
        var dilation = node.Ints("dilations", rank, 1, min: 1);
        var outputPadding = node.Ints("output_padding", rank, 0);
        string autoPad = node.String("auto_pad", "NOTSET");
        var shape = node.Ints("output_shape");
        int[] begin = new int[rank], end = new int[rank];
        if (shape is not null || autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            if (shape is not null && shape.Length != rank && shape.Length != rank + 2) throw node.Invalid($"output_shape needs {rank} values, got {shape.Length}.");
            for (int i = 0; i < rank; i++)
            {
                long input = x.Shape[2 + i];
                long output = shape is not null ? shape[shape.Length - rank + i] : input * stride[i];
                long total = stride[i] * (input - 1) + outputPadding[i] + (long)(kernel[i] - 1) * dilation[i] + 1 - output;
                if (total < 0 || total > int.MaxValue) throw node.Unsupported($"an output extent of {output} from {input} needs padding {total}; only cropping (padding >= 0) is supported.");
                (begin[i], end[i]) = autoPad == "SAME_UPPER" ? ((int)(total / 2), (int)(total - total / 2)) : ((int)(total - total / 2), (int)(total / 2));
            }
        }
        else if (autoPad is "NOTSET" or "")
        {
            var pads = node.Ints("pads", 2 * rank, 0);
            begin = pads[..rank];
            end = pads[rank..];
        }
        else if (autoPad != "VALID") throw node.Invalid($"auto_pad '{autoPad}' is none of NOTSET, VALID, SAME_UPPER, SAME_LOWER.");
        for (int i = 0; i < rank; i++)
            if (outputPadding[i] >= stride[i]) throw node.Unsupported($"output_padding {outputPadding[i]} is not smaller than the stride {stride[i]}.");
        var padding = Padding.Explicit(begin, end);
        bool bias = b is not null;
        ILayer layer = rank switch
        {
            1 => new ConvTranspose1d(outChannels, kernel, stride, padding, outputPadding, dilation, groups, bias),
            2 => new ConvTranspose2d(outChannels, kernel, stride, padding, outputPadding, dilation, groups, bias),
            _ => new ConvTranspose3d(outChannels, kernel, stride, padding, outputPadding, dilation, groups, bias),
        };
        return AddLayer(node, layer, x, LayerName(node, (1, "weight"), (2, "bias")), ("weight", w), ("bias", b));
    }

    /// <summary>A convolution's input, weight, optional bias, spatial rank, groups and kernel (from the weight).</summary>
    private static (ImportedValue X, OnnxConstant W, OnnxConstant? B, int Rank, int Groups, int[] Kernel) Weighted(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        var w = Constant(node, inputs, 1);
        int rank = SpatialRank(node, x, w);
        return (x, w, OptionalConstant(node, inputs, 2), rank, Groups(node), Kernel(node, w, rank));
    }

    private static int SpatialRank(OnnxNode node, ImportedValue x, OnnxConstant w)
    {
        int rank = w.Rank - 2;
        if (rank is < 1 or > 3) throw node.Unsupported($"a weight of rank {w.Rank}; 1 to 3 spatial axes are supported.");
        if (x.Shape.Rank != rank + 2) throw node.Invalid($"input {x.Shape} does not match the weight [{string.Join(", ", w.Dims)}].");
        if (w.Dims.Any(d => d < 1 || d > int.MaxValue)) throw node.Invalid($"the weight [{string.Join(", ", w.Dims)}] has an empty or huge dimension.");
        return rank;
    }

    private static int Groups(OnnxNode node)
    {
        long groups = node.Int("group", 1);
        return groups is >= 1 and <= int.MaxValue ? (int)groups : throw node.Invalid($"group must be positive, got {groups}.");
    }

    /// <summary>The kernel from the weight's dimensions; kernel_shape, where given, must agree.</summary>
    private static int[] Kernel(OnnxNode node, OnnxConstant w, int rank)
    {
        var kernel = w.Dims.Skip(2).Select(d => (int)d).ToArray();
        var given = node.Ints("kernel_shape");
        if (given is not null && !given.SequenceEqual(kernel.Select(k => (long)k)))
            throw node.Invalid($"kernel_shape [{string.Join(", ", given)}] disagrees with the weight [{string.Join(", ", w.Dims)}].");
        return kernel;
    }

    /// <summary>
    /// auto_pad and pads as the engine's padding: NOTSET takes pads (begins then ends), kept symmetric where every begin equals
    /// its end and <paramref name="symmetricWhereEqual"/> (convolutions; pooling keeps ONNX's wider limit of begin/end pads).
    /// </summary>
    private static Padding WindowPadding(OnnxNode node, int rank, bool symmetricWhereEqual)
    {
        string autoPad = node.String("auto_pad", "NOTSET");
        switch (autoPad)
        {
            case "NOTSET" or "":
                var pads = node.Ints("pads", 2 * rank, 0);
                int[] begin = pads[..rank], end = pads[rank..];
                return symmetricWhereEqual && begin.SequenceEqual(end) ? Padding.Explicit(begin) : Padding.Explicit(begin, end);
            case "VALID": return Padding.Valid;
            case "SAME_UPPER": return Padding.Same;
            case "SAME_LOWER": return Padding.SameLower;
            default: throw node.Invalid($"auto_pad '{autoPad}' is none of NOTSET, VALID, SAME_UPPER, SAME_LOWER.");
        }
    }

    /// <summary>The input and window attributes every pooling operator shares (kernel_shape, strides, dilations, ceil_mode, pads or auto_pad).</summary>
    private readonly record struct PoolWindow(ImportedValue X, int Rank, int[] Kernel, int[] Stride, int[] Dilation, bool Ceil, Padding Padding);

    private PoolWindow ReadPoolWindow(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        int rank = x.Shape.SpatialRank;
        if (rank is < 1 or > 3) throw node.Unsupported($"pooling of {x.Shape}; 1 to 3 spatial axes are supported.");
        if (node.Ints("kernel_shape") is null) throw node.Invalid("attribute 'kernel_shape' is missing.");
        return new PoolWindow(x, rank, node.Ints("kernel_shape", rank, 1, min: 1), node.Ints("strides", rank, 1, min: 1),
            node.Ints("dilations", rank, 1, min: 1), node.Int("ceil_mode", 0) != 0, WindowPadding(node, rank, symmetricWhereEqual: false));
    }

    private ImportedValue Pool(OnnxNode node, ImportedValue?[] inputs, bool max)
    {
        var (x, rank, kernel, stride, dilation, ceil, padding) = ReadPoolWindow(node, inputs);
        if (max)
        {
            if (node.Int("storage_order", 0) != 0 && node.Proto.Output.Count > 1 && node.Proto.Output[1].Length > 0)
                throw node.Unsupported("column-major indices (storage_order 1).");
            ILayer pool = rank switch
            {
                1 => new MaxPool1d(kernel, stride, padding, dilation, ceil),
                2 => new MaxPool2d(kernel, stride, padding, dilation, ceil),
                _ => new MaxPool3d(kernel, stride, padding, dilation, ceil),
            };
            return AddLayer(node, pool, x, node.Name);
        }
        if (dilation.Any(d => d != 1)) throw node.Unsupported($"dilated average pooling (dilations [{string.Join(", ", dilation)}]).");
        bool countPad = node.Int("count_include_pad", 0) != 0;
        ILayer average = rank switch
        {
            1 => new AvgPool1d(kernel, stride, padding, ceil, countPad),
            2 => new AvgPool2d(kernel, stride, padding, ceil, countPad),
            _ => new AvgPool3d(kernel, stride, padding, ceil, countPad),
        };
        return AddLayer(node, average, x, node.Name);
    }

    /// <summary>LpPool: the p-norm of every window, (Σ |x|^p)^(1/p); p an integer attribute since opset 2 (a float in 1); dilations and ceil_mode since 18.</summary>
    private ImportedValue LpPool(OnnxNode node, ImportedValue?[] inputs)
    {
        var (x, rank, kernel, stride, dilation, ceil, padding) = ReadPoolWindow(node, inputs);
        float p = node.Opset < 2 ? node.Float("p", 2f) : node.Int("p", 2);
        if (!(p >= 1)) throw node.Invalid($"p must be at least 1, got {p}.");
        ILayer pool = rank switch
        {
            1 => new LPPool1d(p, kernel, stride, ceil, padding, dilation),
            2 => new LPPool2d(p, kernel, stride, ceil, padding, dilation),
            _ => new LPPool3d(p, kernel, stride, ceil, padding, dilation),
        };
        return AddLayer(node, pool, x, node.Name);
    }

    /// <summary>MaxPool, with its Indices output where a later node reads it (an unpooling).</summary>
    private ImportedValue[] MaxPool(OnnxNode node, ImportedValue?[] inputs)
    {
        var pooled = Pool(node, inputs, max: true);
        if (node.Proto.Output.Count < 2 || node.Proto.Output[1].Length == 0) return [pooled];
        var layer = (Pooling)_layerAt[pooled.Node.Index];
        return [pooled, ImportedValue.IndicesOf(layer, Computed(node, inputs, 0).Shape)];
    }

    /// <summary>
    /// MaxUnpool of a max pooling's Indices as an unpooling layer bound to that pooling. The output is the pooling's input
    /// extent, which output_shape (or, without it, the window's arithmetic) must agree with.
    /// </summary>
    private ImportedValue MaxUnpool(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        var indices = inputs.Length > 1 ? inputs[1] : null;
        if (indices is not { Pooling: { } pool }) throw node.Unsupported("indices that no MaxPool of this graph computed.");
        var target = indices.Shape;
        var g = pool.Geometry;
        int rank = g.SpatialRank;
        if (x.Shape.Skip(1).SequenceEqual(pool.OutputShape.Skip(1)) is false)
            throw node.Invalid($"input {x.Shape} is not the shape of the pooling's output {pool.OutputShape}.");
        long[] expected = target.Skip(1).Select(d => (long)d).ToArray();
        if (OptionalConstant(node, inputs, 2) is { } shape)
        {
            if (!shape.AsIntegers().Skip(1).SequenceEqual(expected))
                throw node.Unsupported($"output_shape [{string.Join(", ", shape.AsIntegers())}]; supported: the pooling input's shape {target}.");
        }
        else
        {
            var kernel = node.Ints("kernel_shape", rank, 1, min: 1);
            var stride = node.Ints("strides", rank, 1, min: 1);
            var pads = node.Ints("pads", 2 * rank, 0);
            for (int i = 0; i < rank; i++)
                if ((long)(x.Shape[2 + i] - 1) * stride[i] + kernel[i] - pads[i] - pads[rank + i] != target[2 + i])
                    throw node.Unsupported($"an output extent other than the pooling input's {target} (give output_shape).");
        }
        MaxUnpool layer = rank switch
        {
            1 => new MaxUnpool1d(pool.Name),
            2 => new MaxUnpool2d(pool.Name),
            _ => new MaxUnpool3d(pool.Name),
        };
        layer.Bind(pool);
        return AddLayer(node, layer, x, node.Name);
    }

    /// <summary>Global pooling keeps ONNX's (N, C, 1, ...) output: a window over the whole map.</summary>
    private ImportedValue GlobalPool(OnnxNode node, ImportedValue?[] inputs, bool max)
    {
        var x = Computed(node, inputs, 0);
        int rank = x.Shape.SpatialRank;
        if (rank is < 1 or > 3) throw node.Unsupported($"global pooling of {x.Shape}; 1 to 3 spatial axes are supported.");
        var kernel = x.Shape.Skip(2).ToArray();
        ILayer pool = (max, rank) switch
        {
            (true, 1) => new MaxPool1d(kernel, 1),
            (true, 2) => new MaxPool2d(kernel, 1),
            (true, _) => new MaxPool3d(kernel, 1),
            (false, 1) => new AvgPool1d(kernel, 1),
            (false, 2) => new AvgPool2d(kernel, 1),
            _ => new AvgPool3d(kernel, 1),
        };
        return AddLayer(node, pool, x, node.Name);
    }

    /// <summary>
    /// BatchNormalization of every opset: the running statistics as the layer's buffers, ONNX's momentum (the running
    /// value's weight) as the engine's (the batch's weight, 1 - momentum). Up to opset 8 spatial = 0 means statistics per
    /// element, which only per-channel parameters can be. training_mode (14) is the network's training flag.
    /// </summary>
    private ImportedValue BatchNormalization(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        var scale = Constant(node, inputs, 1);
        var bias = Constant(node, inputs, 2);
        var mean = Constant(node, inputs, 3);
        var variance = Constant(node, inputs, 4);
        int channels = x.Shape.C;
        foreach (var (c, what) in new[] { (scale, "scale"), (bias, "B"), (mean, "mean"), (variance, "var") })
            if (c.Count != channels)
                throw node.Opset < 9 && node.Int("spatial", 1) == 0
                    ? node.Unsupported($"spatial = 0 with {what} of shape [{string.Join(", ", c.Dims)}]; statistics per channel are supported.")
                    : node.Invalid($"{what} has {c.Count} values for {channels} channels.");
        float epsilon = node.Float("epsilon", 1e-5f), momentum = node.Float("momentum", 0.9f);
        if (!(epsilon > 0f)) throw node.Unsupported($"epsilon {epsilon}; the engine needs it positive.");
        if (!(momentum is >= 0f and <= 1f)) throw node.Invalid($"momentum must be in [0, 1], got {momentum}.");
        ILayer layer = x.Shape.Rank switch
        {
            2 or 3 => new BatchNorm1d(1f - momentum, epsilon),
            4 => new BatchNorm2d(1f - momentum, epsilon),
            5 => new BatchNorm3d(1f - momentum, epsilon),
            _ => throw node.Unsupported($"batch normalisation of {x.Shape}."),
        };
        string name = LayerName(node, (1, "weight"), (2, "bias"), (3, "running_mean"), (4, "running_var"));
        return AddLayer(node, layer, x, name, ("weight", scale), ("bias", bias), ("running_mean", mean), ("running_var", variance));
    }

    /// <summary>
    /// LRN: x / (bias + alpha/size · Σ x²)^beta over the channels c - ⌊(size-1)/2⌋ … c + ⌈(size-1)/2⌉ (ONNX's window, which
    /// takes the extra channel of an even size after c).
    /// </summary>
    private ImportedValue Lrn(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        long size = node.Int("size", 0);
        if (size is < 1 or > int.MaxValue) throw node.Invalid($"size must be positive, got {size}.");
        var layer = new LocalResponseNorm((int)size, node.Float("alpha", 1e-4f), node.Float("beta", 0.75f), node.Float("bias", 1f), alphaOverSize: true,
            before: Geometry.ChannelWindow.Onnx((int)size).Before);
        return AddLayer(node, layer, x, node.Name);
    }
}
