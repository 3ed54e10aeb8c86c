using MlNetConv.Data;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;
using MlNetConv.Training;
using MlNetConv.Transforms;
using MlNetConv.Zoo;

namespace MlNetConv.View.Tests;

/// <summary>
/// LeNet-5 as in the 1998 paper (its C3 reads S2 through the connection table), trained for three epochs on the 8,000 training digits of the
/// bundled MNIST digits: once per test run, shared by the tests. The held-out digits 8,000.. are what the tests draw.
/// </summary>
internal static class TrainedLeNet
{
    public const int TrainCount = 8000, TestStart = 8000;

    private static readonly Lazy<MnistDigits> LazyDigits = new(() => MnistDigits.Load(MnistDigits.FindDefault()));
    private static readonly Lazy<ViewedModel> LazyModel = new(Train);

    public static MnistDigits Digits => LazyDigits.Value;

    public static ViewedModel Model => LazyModel.Value;

    /// <summary>Digit <paramref name="index"/>'s 784 grey pixels, 0..255.</summary>
    public static int[] Pixels(int index) =>
        Digits.Pixels.Slice(index * MnistDigits.PixelsPerImage, MnistDigits.PixelsPerImage).ToArray().Select(b => (int)b).ToArray();

    public static int Label(int index) => Digits.Labels.Span[index];

    private static ViewedModel Train()
    {
        var digits = Digits;
        var features = new float[TrainCount * MnistDigits.PixelsPerImage];
        var pixels = digits.Pixels.Span;
        for (int i = 0; i < features.Length; i++) features[i] = pixels[i] / 255f;
        var labels = digits.Labels.Span[..TrainCount].ToArray().Select(b => (int)b).ToArray();
        var network = new Network(Architectures.LeNet5Classic(28), new Shape(1, 28, 28), seed: 5);
        new Trainer(network, new TrainerOptions { Epochs = 3, BatchSize = 32, Seed = 5, Optimizer = new SgdOptions(0.02f, 0.9f) })
            .Fit(new InMemoryDataset(features, labels, new Shape(1, 28, 28)));
        return new ViewedModel(network, ImagePreprocessing.Default(network.SampleShape), Enumerable.Range(0, 10).Select(d => d.ToString()).ToArray(),
            "LeNet-5 (1998) on MNIST");
    }
}
