using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Neocognitron;

/// <summary>
/// Fukushima's neocognitron (1980; the digit version of 2003) as an engine <see cref="Network"/>:
/// U_0 → U_G (<see cref="ContrastExtraction"/>) → U_S1 (<see cref="SLayer"/>) → U_C1 (<see cref="CLayer"/>) → … → U_Cl,
/// layers named <c>ug</c>, <c>us1</c>, <c>uc1</c>, … . It learns without backpropagation, one stage at a time from the
/// bottom (<see cref="CompetitiveLearning"/>): the stages below are frozen and recognise with θ_R while the stage
/// above learns with θ_L. The top C-layer is the feature vector a classifier reads
/// (<see cref="NearestPrototypeClassifier"/>, <see cref="InterpolatingVectorClassifier"/>, or a linear layer trained on
/// the frozen features). The network saves, loads and summarises like any other.
/// </summary>
public static class Neocognitron
{
    /// <param name="images">(count, 1, H, W), pixels in [0, 1]</param>
    /// <param name="sampleShape">(1, H, W)</param>
    /// <param name="log">one line per stage (planes grown, time)</param>
    public static Network Learn(float[] images, Shape sampleShape, NeocognitronOptions options, IBackend? backend = null, Action<string>? log = null)
    {
        if (sampleShape.Rank != 3 || sampleShape[0] != 1) throw new ArgumentException($"Neocognitron: the sample shape must be (1, H, W), got {sampleShape}.");
        if (options.Stages.Count == 0) throw new ArgumentException("Neocognitron: at least one stage is needed.");
        int pixels = sampleShape.Size;
        if (images.Length == 0 || images.Length % pixels != 0)
            throw new ArgumentException($"Neocognitron: {images.Length} values are not a whole number of {sampleShape} images.");
        backend ??= CpuBackend.Default;
        int count = images.Length / pixels, batch = Math.Max(1, Math.Min(options.BatchSize, count));
        var order = Enumerable.Range(0, count).ToArray();
        new RandomStream(options.Seed, "neocognitron.order").Shuffle(order.AsSpan());
        order = order[..Math.Min(count, options.ImagesPerStage)];

        var layers = new List<ILayer>();
        var ug = new ContrastExtraction(options.ContrastKernelSize, options.ContrastCentreSigma, options.ContrastSurroundSigma, "ug");
        var shape = ug.Build(backend, new Shape([1, .. sampleShape])); // built for one sample, as a Network builds; run on any batch
        layers.Add(ug);
        for (int l = 0; l < options.Stages.Count; l++)
        {
            var stage = options.Stages[l];
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var learning = LearnStage(layers, shape, images, pixels, order, batch, stage, options, backend);
            var s = new SLayer(learning.Planes, stage.KernelSize, stage.RecognitionTheta, name: $"us{l + 1}");
            shape = s.Build(backend, shape);
            learning.CopyTo(s);
            var c = new CLayer(stage.CKernelSize, stage.CStride, gain: stage.CGain, name: $"uc{l + 1}");
            shape = c.Build(backend, shape);
            layers.Add(s);
            layers.Add(c);
            log?.Invoke($"us{l + 1}: {learning.Planes} planes from {order.Length} images in {clock.Elapsed.TotalSeconds:F1} s");
        }
        return new Network(new Sequential(layers), sampleShape, backend);
    }

    /// <summary>Presents every image of the order to one new S-layer on top of the frozen layers.</summary>
    /// <param name="below">(1, Cin, H, W): the shape the frozen layers give</param>
    private static CompetitiveLearning LearnStage(List<ILayer> layers, Shape below, float[] images, int pixels, int[] order, int batch,
        NeocognitronStage stage, NeocognitronOptions options, IBackend backend)
    {
        int inChannels = below.C, height = below[2], width = below[3], cells = height * width, inputSize = inChannels * cells;
        var learning = new CompetitiveLearning(inChannels, stage.KernelSize, SLayer.DefaultVCellSigma(stage.KernelSize), stage.MaxPlanes, options.LearningRate);
        int[] imageSize = [.. layers[0].InputShape.Skip(2)];
        using var single = backend.Allocate(new Shape(1, inChannels, height, width));
        using var batchInput = backend.Allocate(new Shape([batch, 1, .. imageSize]));
        Tensor? lastBatch = null;
        var host = new float[batch * pixels];
        var frozen = new float[batch * inputSize];
        var responses = new float[stage.MaxPlanes * cells];
        var vCells = new float[cells];
        SLayer? probe = null;
        int copied = -1;
        for (int start = 0; start < order.Length; start += batch)
        {
            int n = Math.Min(batch, order.Length - start);
            for (int i = 0; i < n; i++) images.AsSpan(order[start + i] * pixels, pixels).CopyTo(host.AsSpan(i * pixels));
            var x = n == batch ? batchInput : lastBatch = backend.Allocate(new Shape([n, 1, .. imageSize]));
            x.CopyFrom(host.AsSpan(0, n * pixels));
            foreach (var layer in layers) x = layer.Forward(x, training: false);
            backend.Download(x, frozen.AsSpan(0, n * inputSize));
            for (int i = 0; i < n; i++)
            {
                var input = frozen.AsSpan(i * inputSize, inputSize);
                // A layer of no planes is one whose planes never fire: the probe keeps at least one, with zero weights.
                int planes = Math.Max(1, learning.Planes);
                if (probe is null || probe.Planes != planes)
                {
                    probe = new SLayer(planes, stage.KernelSize, stage.LearningTheta, name: "learning");
                    probe.Build(backend, single.Shape);
                    copied = -1;
                }
                if (copied != learning.Version)
                {
                    learning.CopyTo(probe);
                    copied = learning.Version;
                }
                single.CopyFrom(input);
                var u = probe.Forward(single, training: false);
                backend.Download(u, responses.AsSpan(0, planes * cells));
                backend.Download(probe.VCells, vCells);
                learning.Present(input, responses.AsSpan(0, learning.Planes * cells), vCells, height, width, stage.CompetitionArea, options.SeedFloor);
            }
        }
        lastBatch?.Dispose();
        return learning;
    }
}
