using Microsoft.ML.OnnxRuntime;
using MlNetConv.Graphs;
using MlNetConv.Onnx;
using MlNetConv.Summary;
using MlNetConv.Tensors;
using MlNetConv.Zoo;

namespace MlNetConv.Bench.Compare;

/// <summary>
/// ResNet-18 inference on 3x224x224 images, 1000 classes, evaluation mode: batch 1 latency and batch 32 throughput.
/// The peer is ONNX Runtime (CPU provider, sequential execution, all graph optimisations, as many intra-op threads as
/// MlNetConv uses) running the very same network and weights, exported by <see cref="OnnxExport"/>. Each side writes
/// into buffers it owns; the outputs are compared once, so a speed-up never comes from computing something else.
/// </summary>
internal static class ResNetInferenceCase
{
    public const string Peer = "onnxruntime";

    public static void Run(CompareSettings settings)
    {
        using var network = new Network(Architectures.ResNet18(), new Shape(3, 224, 224), seed: 1);
        double flopsPerImage = 2.0 * ModelSummary.Of(network).TotalMultiplyAccumulates;
        using var options = new SessionOptions
        {
            IntraOpNumThreads = settings.Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        using var session = new InferenceSession(OnnxExport.ToBytes(network), options);
        using var runOptions = new RunOptions();

        foreach (int batch in new[] { 1, 32 })
        {
            var shape = network.InputShape.WithBatch(batch);
            var images = RandomValues.Uniform(shape.Size, 10 + batch);
            using var input = network.Backend.Allocate(shape);
            input.CopyFrom(images);
            var peerOutput = new float[batch * 1000];
            using var peerInput = OrtValue.CreateTensorValueFromMemory(images, [.. shape.Select(d => (long)d)]);
            using var peerResult = OrtValue.CreateTensorValueFromMemory(peerOutput, [batch, 1000]);
            Tensor? oursOutput = null;
            Action ours = () => oursOutput = network.Forward(input);
            Action peer = () => session.Run(runOptions, ["input"], [peerInput], ["output"], [peerResult]);
            var (oursMs, peerMs) = batch == 1
                ? AlternatingTimer.Median(ours, peer, 3, settings.Runs(15, 50))
                : AlternatingTimer.Median(ours, peer, 1, settings.Runs(3, 7));
            var difference = ("max_rel_diff", Measurement.Invariant(MaxRelativeDifference(oursOutput!.ToArray(), peerOutput), "E1"));
            var flops = Measurement.Flops(flopsPerImage * batch, oursMs, peerMs, settings.PeakGflops);
            if (batch == 1)
                Measurement.Print("resnet18_infer_b1", oursMs, Peer, peerMs, Unit.Milliseconds, [.. flops, difference]);
            else
                Measurement.Print($"resnet18_infer_b{batch}", batch / (oursMs / 1000), Peer, batch / (peerMs!.Value / 1000), Unit.ImagesPerSecond,
                    [("mlnetconv_ms", Measurement.Invariant(oursMs, "F1")), ("peer_ms", Measurement.Invariant(peerMs.Value, "F1")), .. flops, difference]);
        }
    }

    /// <summary>Largest |ours - theirs| over the largest |theirs|.</summary>
    private static double MaxRelativeDifference(float[] ours, float[] theirs)
    {
        double error = 0, scale = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            error = Math.Max(error, Math.Abs((double)ours[i] - theirs[i]));
            scale = Math.Max(scale, Math.Abs((double)theirs[i]));
        }
        return error / Math.Max(scale, double.Epsilon);
    }
}
