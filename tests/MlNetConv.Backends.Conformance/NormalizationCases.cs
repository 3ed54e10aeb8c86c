using MlNetConv.Geometry;
using MlNetConv.Tensors;
using static MlNetConv.Conformance.BackendConformance;

namespace MlNetConv.Conformance;

/// <summary>Batch norm in training and evaluation (outputs, saved statistics, running statistics, gradients) and LRN.</summary>
internal static class NormalizationCases
{
    public static IReadOnlyList<ConformanceCase> All =>
    [
        BatchNorm("batchnorm_2d", new Shape(3, 5, 4, 3)),
        BatchNorm("batchnorm_1d_nc", new Shape(6, 17)),
        BatchNorm("batchnorm_1d_ncl_batch1", new Shape(1, 3, 9)),
        BatchNorm("batchnorm_3d", new Shape(2, 3, 3, 4, 2)),
        Lrn("lrn_size5_alexnet", new Shape(2, 7, 3, 3), 5, 1e-4f * 50, 0.75f, 2f),
        Lrn("lrn_size3_over_size", new Shape(1, 4, 5, 2), 3, 0.5f / 3, 0.6f, 1f),
        Lrn("lrn_size4_even", new Shape(2, 6, 2, 2), 4, 0.2f, 0.75f, 1.5f),
        Lrn("lrn_size4_even_onnx_window", new Shape(2, 6, 2, 2), 4, 0.2f, 0.75f, 1.5f, onnxWindow: true),
        Lrn("lrn_size2_onnx_window_1d", new Shape(3, 5, 7), 2, 0.4f, 0.5f, 1f, onnxWindow: true),
    ];

    private static ConformanceCase BatchNorm(string name, Shape shape) => new(Normalization, name, r =>
    {
        var b = r.Backend;
        int c = shape.C;
        var channel = new Shape(c);
        var x = r.Tensor(shape, Random(shape, name + " x", -2f, 3f));
        var gamma = r.Tensor(channel, Random(c, name + " gamma", 0.5f, 1.5f));
        var beta = r.Tensor(channel, Random(c, name + " beta"));
        var runningMean = r.Tensor(channel, Random(c, name + " rm"));
        var runningVar = r.Tensor(channel, Random(c, name + " rv", 0.5f, 2f));
        var y = r.Tensor(shape, Random(shape, "garbage"));
        var mean = b.Allocate(channel);
        var invStd = b.Allocate(channel);
        var dy = r.Tensor(shape, Random(shape, name + " dy"));

        b.Normalization.BatchNormForwardTraining(x, gamma, beta, runningMean, runningVar, 0.1f, 1e-5f, y, mean, invStd);
        r.Add("training forward", y);
        r.Add("saved mean", mean);
        r.Add("saved 1/std", invStd);
        r.Add("running mean", runningMean);
        r.Add("running var", runningVar);
        var dx = r.Tensor(shape, Random(shape, "garbage"));
        var dGamma = r.Tensor(channel, Random(c, name + " dg0"));
        var dBeta = r.Tensor(channel, Random(c, name + " db0"));
        b.Normalization.BatchNormBackward(x, dy, gamma, mean, invStd, true, dx, dGamma, dBeta);
        r.Add("training input gradient", dx, new Tolerance(5e-4, 5e-5));
        r.Add("gamma gradient", dGamma);
        r.Add("beta gradient", dBeta);

        b.Normalization.BatchNormForwardInference(x, gamma, beta, runningMean, runningVar, 1e-5f, y, mean, invStd);
        r.Add("inference forward", y);
        r.Add("inference saved 1/std", invStd);
        b.Normalization.BatchNormBackward(x, dy, gamma, mean, invStd, false, dx, dGamma, dBeta);
        r.Add("inference input gradient", dx);
        r.Add("inference gamma gradient", dGamma);
        if (shape.N * shape.SpatialSize < 2) return;
        r.Throws("one value per channel", () =>
            b.Normalization.BatchNormForwardTraining(b.Allocate(new Shape(1, c)), gamma, beta, runningMean, runningVar, 0.1f, 1e-5f,
                b.Allocate(new Shape(1, c)), mean, invStd));
    });

    private static ConformanceCase Lrn(string name, Shape shape, int size, float alpha, float beta, float k, bool onnxWindow = false) => new(Normalization, name, r =>
    {
        var window = onnxWindow ? ChannelWindow.Onnx(size) : ChannelWindow.PyTorch(size);
        var b = r.Backend;
        var x = r.Tensor(shape, Random(shape, name + " x", -3f, 3f));
        var y = r.Tensor(shape, Random(shape, "garbage"));
        var scale = b.Allocate(shape);
        b.Normalization.LocalResponseNormForward(x, window, alpha, beta, k, y, scale);
        r.Add("forward", y);
        r.Add("scale", scale);
        var dy = r.Tensor(shape, Random(shape, name + " dy"));
        var dx = r.Tensor(shape, Random(shape, "garbage"));
        b.Normalization.LocalResponseNormBackward(x, y, scale, dy, window, alpha, beta, dx);
        r.Add("input gradient", dx);
    });
}
