using MlNetConv.Graphs;
using MlNetConv.Losses;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;
using MlNetConv.Zoo;
using TorchSharp;
using static TorchSharp.torch.nn;

namespace MlNetConv.Bench.Compare;

/// <summary>
/// LeNet-5 training steps on one batch of 64 28x28 images: zero the gradients, forward, softmax cross-entropy, backward,
/// SGD with momentum 0.9. Both networks start from the same weights. Each timed run is a block of steps.
/// </summary>
internal static class LeNetTrainingCase
{
    private const int Batch = 64, StepsPerRun = 20;

    public static void Run(CompareSettings settings)
    {
        using var network = new Network(Architectures.LeNet5(), new Shape(1, 28, 28), seed: 1);
        var images = RandomValues.Uniform(Batch * 28 * 28, 9);
        var labels = Enumerable.Range(0, Batch).Select(i => i % 10).ToArray();
        using var ours = new OursStep(network, images, labels);
        using var peer = settings.TorchAvailable ? new TorchStep(network, images, labels) : null;
        var (oursMs, peerMs) = AlternatingTimer.Median(() => Repeat(ours.Run), peer is null ? null : () => Repeat(peer.Run), 2, settings.Runs(5, 15));
        double ImagesPerSecond(double ms) => Batch * StepsPerRun / (ms / 1000);
        Measurement.Print("lenet5_train_b64", ImagesPerSecond(oursMs), TorchSharpPeer.Name, peerMs is { } p ? ImagesPerSecond(p) : null,
            Unit.ImagesPerSecond, [("mlnetconv_step_ms", Measurement.Invariant(oursMs / StepsPerRun, "F3")),
                .. peerMs is { } q ? [("peer_step_ms", Measurement.Invariant(q / StepsPerRun, "F3"))] : Array.Empty<(string, string)>()],
            settings.TorchUnavailable);
    }

    private static void Repeat(Action step)
    {
        for (int i = 0; i < StepsPerRun; i++) step();
    }

    /// <summary>One step of MlNetConv, as the trainer takes it.</summary>
    private sealed class OursStep : IDisposable
    {
        private readonly Network _network;
        private readonly Tensor _input;
        private readonly IndexTensor _labels;
        private readonly SoftmaxCrossEntropyLoss _loss = new();
        private readonly Sgd _optimizer;

        public OursStep(Network network, float[] images, int[] labels)
        {
            _network = network;
            _input = network.Backend.Allocate(network.InputShape.WithBatch(Batch));
            _input.CopyFrom(images);
            _labels = network.Backend.AllocateIndices(new Shape(Batch));
            network.Backend.UploadIndices(labels, _labels);
            _optimizer = new Sgd(network.TrainableParameters, new SgdOptions(0.01f, 0.9f));
        }

        public void Run()
        {
            _network.ZeroGrad();
            var output = _network.Forward(_input, training: true);
            var result = _loss.Compute(output, new Targets(_labels));
            _network.Backward(result.Gradient);
            _optimizer.Step();
        }

        public void Dispose()
        {
            _input.Dispose();
            _labels.Dispose();
        }
    }

    /// <summary>The same step in TorchSharp.</summary>
    private sealed class TorchStep : IDisposable
    {
        private readonly Module<torch.Tensor, torch.Tensor> _model = TorchLeNet.Create();
        private readonly torch.Tensor _input, _labels;
        private readonly Loss<torch.Tensor, torch.Tensor, torch.Tensor> _loss = CrossEntropyLoss();
        private readonly torch.optim.Optimizer _optimizer;

        public TorchStep(Network network, float[] images, int[] labels)
        {
            TorchLeNet.CopyWeights(network, _model);
            _input = torch.tensor(images, [Batch, 1, 28, 28]);
            _labels = torch.tensor(labels.Select(l => (long)l).ToArray(), [Batch]);
            _optimizer = torch.optim.SGD(_model.parameters(), 0.01, momentum: 0.9);
        }

        public void Run()
        {
            using var scope = torch.NewDisposeScope();
            _optimizer.zero_grad();
            var output = _model.forward(_input);
            _loss.forward(output, _labels).backward();
            _optimizer.step();
        }

        public void Dispose()
        {
            _model.Dispose();
            _input.Dispose();
            _labels.Dispose();
        }
    }
}
