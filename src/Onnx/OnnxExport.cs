using System.Reflection;
using Google.Protobuf;
using MlNetConv.Geometry;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Persistence;
using MlNetConv.Preprocessing;
using MlNetConv.Tensors;
using Onnx;
using static MlNetConv.Onnx.OnnxProtos;

namespace MlNetConv.Onnx;

/// <summary>
/// Writes a built network as an ONNX model (IR version <see cref="IrVersion"/>, operator set <see cref="OpsetVersion"/>)
/// in inference form, so ONNX Runtime and other ONNX engines run the same network with the same weights. Input
/// <c>input</c> (N, C, spatial...) and outputs <c>output</c> (or <c>output0</c>, <c>output1</c>, … for several), the batch
/// size N symbolic. Initializers carry the parameter names (<c>layer1.0.conv1.weight</c>), nodes the layer paths.
/// <para>
/// Layers and their operators: convolutions → Conv (groups, stride, padding, dilation; a connection table becomes a
/// dense weight with zeros where a map is not connected); batch normalisation → BatchNormalization with the running
/// statistics; ReLU, LeakyReLU, Tanh, Sigmoid → Relu, LeakyRelu, Tanh, Sigmoid; max and average pooling → MaxPool,
/// AveragePool (ceil mode as extra end padding, so PyTorch's windows and divisors are kept); global pooling →
/// GlobalAveragePool or GlobalMaxPool then Flatten (the layer's output is (N, C)); Flatten → Flatten; Dense → Gemm; dropout → nothing (the identity in evaluation); Add → Add or Sum; Concat → Concat;
/// transposed convolutions → ConvTranspose; CropTo → Slice; Upsample → Resize; local response norm (odd sizes, and even
/// sizes with ONNX's window) → LRN; Hardtanh → Clip; Softmax → Softmax; Power → Pow; Multiply → Mul (Add and Multiply
/// broadcast as ONNX's do); MaxUnpool → MaxUnpool with its pooling's Indices; Reshape → Reshape; ConstantPad → Pad;
/// ReflectionPad, ReplicationPad → Pad (reflect, edge); Narrow → Slice; IndexSelect → Gather; Permute → Transpose;
/// Expand → Expand;
/// ConstantAffine → Mul and Add; graphs and chains → their nodes, inlined. Any other layer throws <see cref="NotSupportedException"/> naming it.
/// </para>
/// <para>
/// <see cref="OnnxExportOptions"/> adds the model's input normalisation before the network and a softmax after it, so
/// that the ONNX model takes what the engine's scoring takes and gives what it gives.
/// </para>
/// </summary>
public static class OnnxExport
{
    public const long IrVersion = 8;
    public const long OpsetVersion = 17;

    /// <summary>Writes the model to a file (replaced if it exists) through a temporary file renamed into place.</summary>
    /// <inheritdoc cref="Save(Network, Stream, OnnxExportOptions?)" path="/exception"/>
    public static void Save(Network network, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        var model = Build(network, options ?? new OnnxExportOptions());
        using var file = AtomicFile.Create(path);
        model.WriteTo(file.Stream);
        file.Commit();
    }

    /// <summary>Writes the model to a stream.</summary>
    /// <exception cref="NotSupportedException">a layer has no ONNX counterpart here; the message names it and its type</exception>
    /// <exception cref="ArgumentException">the normalisation has another channel count than the network's input</exception>
    public static void Save(Network network, Stream destination, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(destination);
        Build(network, options ?? new OnnxExportOptions()).WriteTo(destination);
    }

    /// <summary>The model as bytes (what ONNX Runtime's session constructor also takes).</summary>
    /// <inheritdoc cref="Save(Network, Stream, OnnxExportOptions?)" path="/exception"/>
    public static byte[] ToBytes(Network network, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Build(network, options ?? new OnnxExportOptions()).ToByteArray();
    }

    private static ModelProto Build(Network network, OnnxExportOptions options)
    {
        var exporter = new Exporter();
        const string input = "input";
        var names = Enumerable.Range(0, network.OutputCount).Select(i => network.OutputCount == 1 ? "output" : $"output{i}").ToArray();
        // Reserved first, so that a layer called "output" gets another value name.
        foreach (string name in names.Prepend(input)) exporter.Reserve(name);
        string networkInput = options.Normalization is { } normalization ? exporter.Normalize(normalization, network.SampleShape, input) : input;
        var outputs = exporter.Root(network.Root, networkInput);
        var graph = exporter.Target;
        graph.Name = string.IsNullOrEmpty(network.Root.Name) ? "network" : network.Root.Name;
        graph.Input.Add(BatchedFloatValue(input, network.SampleShape));
        for (int i = 0; i < outputs.Count; i++)
        {
            string name = names[i], output = options.Softmax ? exporter.Softmax(outputs[i]) : outputs[i];
            exporter.RenameOutput(output, name, input);
            graph.Output.Add(BatchedFloatValue(name, network.OutputShapes[i].Skip(1)));
        }
        return new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "MlNetConv",
            ProducerVersion = typeof(OnnxExport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
            Graph = graph,
            OpsetImport = { new OperatorSetIdProto { Version = OpsetVersion } },
        };
    }

    /// <summary>Walks the layer tree once, emitting nodes and initializers; value names are the layers' dotted paths.</summary>
    private sealed class Exporter
    {
        private readonly HashSet<string> _names = new(StringComparer.Ordinal);

        /// <summary>Max-pooling layers whose indices an unpooling layer reads: their Indices output and their input's value.</summary>
        private readonly Dictionary<Pooling, (string Indices, string Input)?> _unpooled = [];

        public GraphProto Target { get; } = new();

        public void Reserve(string name) => _names.Add(name);

        /// <summary>
        /// The root's outputs: every output of a graph (GoogLeNet's auxiliary heads too), else the one of a layer. The root's
        /// own name is not part of the paths, as it is not part of the parameter names.
        /// </summary>
        public IReadOnlyList<string> Root(ILayer root, string input)
        {
            foreach (var unpool in Network.Flatten(root).OfType<MaxUnpool>()) _unpooled[unpool.Pooling] = null;
            return root is Graph g ? EmitGraph(g, input, "") : [Emit(root, input, root.Name)];
        }

        /// <summary>
        /// (x - mean[c]) · (1 / std[c]) on the graph input, in the order and precision of <see cref="ChannelNormalization.Apply"/>;
        /// returns the normalised value.
        /// </summary>
        public string Normalize(ChannelNormalization normalization, Shape sampleShape, string input)
        {
            int channels = normalization.Mean.Count;
            if (channels != 1 && channels != sampleShape[0])
                throw new ArgumentException($"ONNX export: the normalisation has {channels} channel statistics but the network's input {sampleShape} has {sampleShape[0]} channels.");
            long[] dims = [1, channels, .. Enumerable.Repeat(1L, sampleShape.Rank - 1)];
            string mean = Unique("normalization.mean"), inverseStd = Unique("normalization.inverse_std");
            Target.Initializer.Add(FloatTensor(mean, dims, normalization.Mean));
            Target.Initializer.Add(FloatTensor(inverseStd, dims, normalization.Std.Select(s => 1f / s)));
            return Node("Mul", "normalization", [Node("Sub", "normalization.centered", [input, mean]), inverseStd]);
        }

        /// <summary>Softmax over the channel axis of an output (opset 13+ normalises that axis alone, whatever the rank).</summary>
        public string Softmax(string value) => Node("Softmax", value + ".softmax", [value], Attribute("axis", 1L));

        /// <summary>Gives an output value its public name; an output that is the graph input itself goes through Identity.</summary>
        public void RenameOutput(string value, string name, string input)
        {
            if (value == input || !Target.Node.Any(n => n.Output.Contains(value)))
            {
                Target.Node.Add(new NodeProto { OpType = "Identity", Name = name, Input = { value }, Output = { name } });
                return;
            }
            foreach (var node in Target.Node)
            {
                Rename(node.Input);
                Rename(node.Output);
            }

            void Rename(IList<string> values)
            {
                for (int i = 0; i < values.Count; i++)
                    if (values[i] == value) values[i] = name;
            }
        }

        private IReadOnlyList<string> EmitGraph(Graph graph, string input, string path)
        {
            string dot = path.Length == 0 ? "" : path + ".";
            var values = new string[graph.Nodes.Count];
            string ValueOf(int i) => i == Graph.GraphInput ? input : values[i];
            for (int i = 0; i < graph.Nodes.Count; i++)
            {
                var node = graph.Nodes[i];
                values[i] = node.Layer is { } layer
                    ? Emit(layer, ValueOf(node.Inputs[0]), dot + layer.Name)
                    : EmitMerge(node.Merge!, node.Inputs.Select(ValueOf).ToArray(), dot + node.Merge!.Name);
            }
            return graph.OutputNodes.Select(o => values[o]).ToArray();
        }

        private string EmitMerge(IMergeLayer merge, string[] inputs, string path) => merge switch
        {
            Add => Node(inputs.Length == 2 ? "Add" : "Sum", path, inputs),
            Concat => Node("Concat", path, inputs, Attribute("axis", 1L)),
            CropTo crop => EmitCrop(crop, inputs[0], path),
            Multiply => Node("Mul", path, inputs),
            _ => throw Unsupported(path, merge.TypeName),
        };

        private string Emit(ILayer layer, string input, string path) => layer switch
        {
            Graph g => EmitGraph(g, input, path)[0],
            Convolution conv => EmitConvolution(conv, input, path),
            BatchNorm bn => Node("BatchNormalization", path,
                [input, Initializer(bn.Weight), Initializer(bn.BiasParameter), Initializer(bn.RunningMean), Initializer(bn.RunningVar)],
                Attribute("epsilon", bn.Epsilon)),
            ReLU => Node("Relu", path, [input]),
            LeakyReLU leaky => Node("LeakyRelu", path, [input], Attribute("alpha", leaky.NegativeSlope)),
            Tanh => Node("Tanh", path, [input]),
            Sigmoid => Node("Sigmoid", path, [input]),
            GlobalPooling pool => Node("Flatten", path, [Node(pool.IsMax ? "GlobalMaxPool" : "GlobalAveragePool", path + ".pool", [input])],
                Attribute("axis", 1L)),
            Pooling pool => EmitPooling(pool, input, path),
            Flatten => Node("Flatten", path, [input], Attribute("axis", 1L)),
            Reshape reshape => Node("Reshape", path, [input, Ints(path + ".shape", [0, .. reshape.SampleShape.Select(d => (long)d)])]),
            ConstantAffine affine => EmitAffine(affine, input, path),
            ConstantPad pad => Node("Pad", path, [input, Ints(path + ".pads", [0, 0, .. pad.Begin.Select(b => (long)b), 0, 0, .. pad.End.Select(e => (long)e)]),
                Floats(path + ".value", [], [pad.Value])]),
            Hardtanh clip => Node("Clip", path, [input, Floats(path + ".min", [], [clip.MinVal]), Floats(path + ".max", [], [clip.MaxVal])]),
            Layers.Softmax => Node("Softmax", path, [input], Attribute("axis", 1L)),
            Power power => Node("Pow", path, [input, Floats(path + ".exponent", [], [power.Exponent])]),
            BorderPad pad => Node("Pad", path, [input, Ints(path + ".pads", [0, 0, .. pad.Begin.Select(b => (long)b), 0, 0, .. pad.End.Select(e => (long)e)])],
                Text("mode", pad.Mode == BorderMode.Reflect ? "reflect" : "edge")),
            Narrow narrow => Node("Slice", path, [input, Ints(path + ".starts", [narrow.Start]), Ints(path + ".ends", [(long)narrow.Start + narrow.Length]),
                Ints(path + ".axes", [narrow.Dim])]),
            IndexSelect select => Node("Gather", path, [input, Ints(path + ".indices", [.. select.Index.Select(i => (long)i)])], Attribute("axis", (long)select.Dim)),
            Permute permute => Node("Transpose", path, [input], Attribute("perm", permute.Dims)),
            Expand expand => Node("Expand", path, [input, Ints(path + ".shape", [1, .. expand.SampleShape.Select(d => (long)d)])]),
            LocalResponseNorm lrn when lrn.Window == ChannelWindow.Onnx(lrn.Size) => Node("LRN", path, [input], Attribute("size", (long)lrn.Size),
                Attribute("alpha", lrn.AlphaOverSize ? lrn.Alpha : lrn.Alpha * lrn.Size), Attribute("beta", lrn.Beta), Attribute("bias", lrn.K)),
            ConvTranspose transposed => EmitTransposed(transposed, input, path),
            Upsample upsample => EmitUpsample(upsample, input, path),
            MaxUnpool unpool => EmitUnpool(unpool, input, path),
            Dense dense => Node("Gemm", path,
                dense.Bias is { } bias ? [input, Initializer(dense.Weight), Initializer(bias)] : [input, Initializer(dense.Weight)],
                Attribute("transB", 1L)),
            DropoutBase => input,
            _ => throw Unsupported(path, layer.TypeName),
        };

        private string EmitConvolution(Convolution conv, string input, string path)
        {
            var g = conv.Geometry;
            int rank = g.SpatialRank;
            string weight = g.Table is null ? Initializer(conv.Weight) : DenseTableWeight(conv, g);
            string[] inputs = conv.Bias is { } bias ? [input, weight, Initializer(bias)] : [input, weight];
            return Node("Conv", path, inputs,
                Attribute("kernel_shape", g.Kernel.ToArray(rank)),
                Attribute("strides", g.Stride.ToArray(rank)),
                Attribute("dilations", g.Dilation.ToArray(rank)),
                Attribute("pads", [.. g.PadBegin.ToArray(rank), .. g.PadEnd.ToArray(rank)]),
                Attribute("group", (long)g.Groups));
        }

        /// <summary>y = x · scale + shift, the constants shaped (1, C, 1, ...) per channel or (1, sample...) per element.</summary>
        private string EmitAffine(ConstantAffine affine, string input, string path)
        {
            var shape = affine.InputShape;
            long[] dims = affine.PerElement ? [1, .. shape.Skip(1).Select(d => (long)d)] : [1, shape.C, .. Enumerable.Repeat(1L, shape.Rank - 2)];
            string scaled = Node("Mul", path + ".scale", [input, Floats(affine.Scale.Name, dims, affine.Scale.Value.ToArray())]);
            return Node("Add", path, [scaled, Floats(affine.Shift.Name, dims, affine.Shift.Value.ToArray())]);
        }

        /// <summary>ConvTranspose with the adjoint convolution's begin and end padding (the rows cropped from the output).</summary>
        private string EmitTransposed(ConvTranspose layer, string input, string path)
        {
            var g = layer.Adjoint;
            int rank = g.SpatialRank;
            string[] inputs = layer.Bias is { } bias ? [input, Initializer(layer.Weight), Initializer(bias)] : [input, Initializer(layer.Weight)];
            return Node("ConvTranspose", path, inputs,
                Attribute("kernel_shape", g.Kernel.ToArray(rank)),
                Attribute("strides", g.Stride.ToArray(rank)),
                Attribute("dilations", g.Dilation.ToArray(rank)),
                Attribute("pads", [.. g.PadBegin.ToArray(rank), .. g.PadEnd.ToArray(rank)]),
                Attribute("output_padding", layer.OutputPadding),
                Attribute("group", (long)layer.Groups));
        }

        /// <summary>
        /// Resize reading the engine's positions: nearest as asymmetric + floor (PyTorch's nearest), linear as half_pixel
        /// (clamped at 0 by Resize's linear mode) or align_corners; scales where the layer has a factor, else sizes.
        /// </summary>
        private string EmitUpsample(Upsample layer, string input, string path)
        {
            var shape = layer.InputShape;
            int rank = shape.SpatialRank;
            string scales = "", sizes = "";
            if (layer.ScaleFactor is { } factor)
                scales = Floats(path + ".scales", [rank + 2], [1f, 1f, .. Enumerable.Range(0, rank).Select(i => (float)factor[factor.Length == 1 ? 0 : i])]);
            else
            {
                // The batch is symbolic: (N, C) from the input's shape, the spatial extents fixed.
                string batchAndChannels = Node("Slice", path + ".batch_channels",
                    [Node("Shape", path + ".shape", [input]), Ints(path + ".first", [0]), Ints(path + ".second", [2])]);
                sizes = Node("Concat", path + ".sizes", [batchAndChannels, Ints(path + ".extent", [.. layer.OutputShape.Skip(2).Select(d => (long)d)])],
                    Attribute("axis", 0L));
            }
            bool nearest = layer.Mode == UpsampleMode.Nearest;
            return Node("Resize", path, [input, "", scales, sizes],
                Text("mode", nearest ? "nearest" : "linear"),
                Text("coordinate_transformation_mode", nearest ? "asymmetric" : layer.AlignCorners ? "align_corners" : "half_pixel"),
                Text("nearest_mode", "floor"));
        }

        /// <summary>CropTo as Slice of the first input: the box at the crop's start as large as the merge's output.</summary>
        private string EmitCrop(CropTo crop, string input, string path)
        {
            int rank = crop.OutputShape.SpatialRank;
            var start = crop.Start.ToArray(rank).Select(v => (long)v).ToArray();
            var end = start.Zip(crop.OutputShape.Skip(2), (s, e) => s + e).ToArray();
            var axes = Enumerable.Range(2, rank).Select(a => (long)a).ToArray();
            return Node("Slice", path, [input, Ints(path + ".starts", start), Ints(path + ".ends", end), Ints(path + ".axes", axes)]);
        }

        private string Floats(string name, long[] dims, IEnumerable<float> values)
        {
            string unique = Unique(name);
            Target.Initializer.Add(FloatTensor(unique, dims, values));
            return unique;
        }

        private string Ints(string name, long[] values)
        {
            string unique = Unique(name);
            Target.Initializer.Add(Int64Tensor(unique, values));
            return unique;
        }

        private static AttributeProto Text(string name, string value) =>
            new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

        /// <summary>A connection table as an ordinary (Cout, Cin, kernel...) weight: zeros where an output map does not read an input map.</summary>
        private string DenseTableWeight(Convolution conv, ConvGeometry g)
        {
            float[] table = conv.Weight.Value.ToArray(), dense = new float[g.OutChannels * g.InChannels * g.KernelVolume];
            int k = g.KernelVolume;
            for (int o = 0; o < g.OutChannels; o++)
                for (int j = 0; j < g.InputsOf[o].Length; j++)
                    table.AsSpan((g.FirstConnection[o] + j) * k, k).CopyTo(dense.AsSpan((o * g.InChannels + g.InputsOf[o][j]) * k, k));
            string name = Unique(conv.Weight.Name);
            Target.Initializer.Add(FloatTensor(name, [g.OutChannels, g.InChannels, .. g.Kernel.ToArray(g.SpatialRank).Select(v => (long)v)], dense));
            return name;
        }

        /// <summary>
        /// MaxPool or AveragePool with ceil_mode 0 and the end padding that gives this engine's windows (ONNX's ceil mode
        /// lacks PyTorch's rule that drops a last window starting in the end padding). Where ceil mode keeps a window
        /// reaching past the padding and the average counts padding, the padding becomes explicit zeros (Pad) and the
        /// average counts only what lies inside them, which is PyTorch's divisor.
        /// </summary>
        private string EmitPooling(Pooling pool, string input, string path)
        {
            var g = pool.Geometry;
            int rank = g.SpatialRank;
            int[] inputSize = g.Input.ToArray(rank), output = g.Output.ToArray(rank), kernel = g.Kernel.ToArray(rank),
                stride = g.Stride.ToArray(rank), dilation = g.Dilation.ToArray(rank), begin = g.PadBegin.ToArray(rank), padEnd = g.PadEnd.ToArray(rank);
            int[] end = Enumerable.Range(0, rank)
                .Select(i => OutputSize.EndPadding(inputSize[i], output[i], kernel[i], stride[i], begin[i], padEnd[i], dilation[i])).ToArray();
            bool countPadding = !pool.IsMax && g.CountIncludePad;
            if (countPadding && !end.SequenceEqual(padEnd))
            {
                int[] zeros = new int[rank];
                string pads = Node("Constant", path + ".pads", [], Attribute("value_ints", [0, 0, .. begin, 0, 0, .. padEnd]));
                input = Node("Pad", path + ".pad", [input, pads]);
                end = end.Zip(padEnd, (e, p) => e - p).ToArray();
                begin = zeros;
                countPadding = false;
            }
            var attributes = new List<AttributeProto>
            {
                Attribute("kernel_shape", kernel),
                Attribute("strides", stride),
                Attribute("pads", [.. begin, .. end]),
                Attribute("ceil_mode", 0L),
            };
            if (pool.IsMax) attributes.Add(Attribute("dilations", dilation));
            else attributes.Add(Attribute("count_include_pad", countPadding ? 1L : 0L));
            string pooled = Node(pool.IsMax ? "MaxPool" : "AveragePool", path, [input], [.. attributes]);
            if (_unpooled.ContainsKey(pool))
            {
                string indices = Unique(path + ".indices");
                Target.Node[^1].Output.Add(indices);
                _unpooled[pool] = (indices, input);
            }
            return pooled;
        }

        /// <summary>
        /// MaxUnpool with its pooling layer's Indices (ONNX's flat indices, which the same engine computes and reads) and the
        /// pooling input's shape as output_shape, so odd extents come back exactly.
        /// </summary>
        private string EmitUnpool(MaxUnpool unpool, string input, string path)
        {
            var pool = unpool.Pooling;
            var (indices, poolInput) = _unpooled[pool] ?? throw Unsupported(path, unpool.TypeName + " (its pooling layer was not exported before it)");
            var g = pool.Geometry;
            int rank = g.SpatialRank;
            return Node("MaxUnpool", path, [input, indices, Node("Shape", path + ".shape", [poolInput])],
                Attribute("kernel_shape", g.Kernel.ToArray(rank)),
                Attribute("strides", g.Stride.ToArray(rank)),
                Attribute("pads", [.. g.PadBegin.ToArray(rank), .. g.PadEnd.ToArray(rank)]));
        }

        private string Node(string opType, string path, string[] inputs, params AttributeProto[] attributes)
        {
            string output = Unique(path.Length == 0 ? opType.ToLowerInvariant() : path);
            Target.Node.Add(new NodeProto { OpType = opType, Name = output, Input = { inputs }, Output = { output }, Attribute = { attributes } });
            return output;
        }

        private string Initializer(Parameter parameter)
        {
            string name = Unique(parameter.Name);
            Target.Initializer.Add(FloatTensor(name, parameter.Shape.Select(d => (long)d), parameter.Value.ToArray()));
            return name;
        }

        private string Unique(string name)
        {
            string candidate = name;
            for (int i = 1; !_names.Add(candidate); i++) candidate = $"{name}_{i}";
            return candidate;
        }

        private static NotSupportedException Unsupported(string path, string typeName) =>
            new($"ONNX export: layer '{path}' of type {typeName} has no ONNX counterpart here. Supported: convolutions, BatchNorm, ReLU, " +
                "LeakyReLU, Tanh, Sigmoid, Hardtanh, Softmax, max/average/global pooling, local response norm (odd sizes, even with ONNX's window), " +
                "transposed convolutions, Upsample, MaxUnpool, Power, Flatten, Reshape, Permute, Narrow, IndexSelect, Expand, ConstantAffine, ConstantPad, " +
                "ReflectionPad, ReplicationPad, Dense, Dropout, Add, Multiply, Concat, CropTo, and graphs of them.");
    }
}
