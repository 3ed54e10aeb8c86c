using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Backends;

/// <summary>
/// The CPU backend's batch and local response normalization (Vector512 lanes) against the reference kernels (one value
/// at a time) over random shapes: planes shorter and longer than a vector, with and without tails, batch 1.
/// </summary>
public sealed class NormalizationKernelParityTests
{
    private const double Tolerance = 1e-5;

    private static readonly CpuBackend Fast = new();
    private static readonly CpuBackend Reference = new(new CpuBackendOptions { ReferenceKernels = true });

    [Fact]
    public void BatchNorm_RandomShapes_MatchReference()
    {
        var random = new RandomStream(31, "random batch norms");
        for (int trial = 0; trial < 40; trial++)
        {
            int n = random.Between(1, 4), c = random.Between(1, 9);
            int[] spatial = trial % 3 == 0 ? [random.Between(1, 40)] : [random.Between(1, 12), random.Pick(1, 7, 15, 16, 17, 33)];
            var shape = new Shape([n, c, .. spatial]);
            if (n * shape.SpatialSize < 2) continue; // training needs two values per channel
            var x = Scaled(KernelParity.Uniform(shape.Size, random), 3f, 0.5f); // an offset mean, as activations have
            var dy = KernelParity.Uniform(shape.Size, random);
            var gamma = KernelParity.Uniform(c, random);
            var beta = KernelParity.Uniform(c, random);
            var running = KernelParity.Uniform(2 * c, random).Select(Math.Abs).ToArray();
            var expected = Run(Reference, shape, x, dy, gamma, beta, running);
            var actual = Run(Fast, shape, x, dy, gamma, beta, running);
            foreach (var (name, e) in expected)
                KernelParity.AssertClose(e, actual[name], e.Select(v => 1f + Math.Abs(v)).ToArray(), Tolerance, $"{shape} {name}");
        }
    }

    [Fact]
    public void LocalResponseNorm_RandomShapes_MatchReference()
    {
        // Windows of odd and even size, leaning back (PyTorch) or forward (ONNX), clipped at the first and last channels;
        // planes with and without a tail of 16.
        var random = new RandomStream(32, "random local response norms");
        for (int trial = 0; trial < 30; trial++)
        {
            int n = random.Between(1, 3), c = random.Between(1, 12), size = random.Between(1, 7);
            var window = random.Pick(ChannelWindow.PyTorch(size), ChannelWindow.Onnx(size));
            var shape = new Shape(n, c, random.Between(1, 9), random.Pick(1, 5, 16, 17, 40));
            float alpha = random.Pick(1e-4f, 0.02f, 1f), beta = random.Pick(0.75f, 0.5f, 1f, 1.3f), k = random.Pick(1f, 2f);
            var x = Scaled(KernelParity.Uniform(shape.Size, random), 4f, 0f);
            var dy = KernelParity.Uniform(shape.Size, random);
            var expected = RunLrn(Reference, shape, x, dy, window, alpha, beta, k);
            var actual = RunLrn(Fast, shape, x, dy, window, alpha, beta, k);
            foreach (var (name, e) in expected)
                KernelParity.AssertClose(e, actual[name], e.Select(v => 1f + Math.Abs(v)).ToArray(), Tolerance, $"{shape} window {window} beta {beta} {name}");
        }
    }

    private static Dictionary<string, float[]> RunLrn(IBackend backend, Shape shape, float[] x, float[] dy, ChannelWindow window, float alpha, float beta, float k)
    {
        using var input = Tensor(backend, shape, x);
        using var outputGrad = Tensor(backend, shape, dy);
        using var output = backend.Allocate(shape);
        using var scale = backend.Allocate(shape);
        using var inputGrad = backend.Allocate(shape);
        backend.Normalization.LocalResponseNormForward(input, window, alpha, beta, k, output, scale);
        backend.Normalization.LocalResponseNormBackward(input, output, scale, outputGrad, window, alpha, beta, inputGrad);
        return new Dictionary<string, float[]> { ["output"] = output.ToArray(), ["scale"] = scale.ToArray(), ["inputGrad"] = inputGrad.ToArray() };
    }

    /// <summary>Training forward (outputs, saved and running statistics), then backward with batch statistics and without.</summary>
    private static Dictionary<string, float[]> Run(IBackend backend, Shape shape, float[] x, float[] dy, float[] gamma, float[] beta, float[] running)
    {
        int c = shape.C;
        using var input = Tensor(backend, shape, x);
        using var outputGrad = Tensor(backend, shape, dy);
        using var g = Tensor(backend, new Shape(c), gamma);
        using var b = Tensor(backend, new Shape(c), beta);
        using var runningMean = Tensor(backend, new Shape(c), running[..c]);
        using var runningVar = Tensor(backend, new Shape(c), running[c..]);
        using var output = backend.Allocate(shape);
        using var mean = backend.Allocate(new Shape(c));
        using var invStd = backend.Allocate(new Shape(c));
        backend.Normalization.BatchNormForwardTraining(input, g, b, runningMean, runningVar, 0.1f, 1e-5f, output, mean, invStd);
        var results = new Dictionary<string, float[]>
        {
            ["output"] = output.ToArray(),
            ["mean"] = mean.ToArray(),
            ["invStd"] = invStd.ToArray(),
            ["runningMean"] = runningMean.ToArray(),
            ["runningVar"] = runningVar.ToArray(),
        };
        foreach (bool batchStatistics in new[] { true, false })
        {
            using var inputGrad = backend.Allocate(shape);
            using var gammaGrad = Tensor(backend, new Shape(c), gamma); // accumulated into
            using var betaGrad = Tensor(backend, new Shape(c), beta);
            backend.Normalization.BatchNormBackward(input, outputGrad, g, mean, invStd, batchStatistics, inputGrad, gammaGrad, betaGrad);
            results[$"inputGrad batchStatistics={batchStatistics}"] = inputGrad.ToArray();
            results[$"gammaGrad batchStatistics={batchStatistics}"] = gammaGrad.ToArray();
            results[$"betaGrad batchStatistics={batchStatistics}"] = betaGrad.ToArray();
        }
        return results;
    }

    private static float[] Scaled(float[] values, float scale, float offset) => values.Select(v => v * scale + offset).ToArray();

    private static Tensor Tensor(IBackend backend, Shape shape, float[] values)
    {
        var t = backend.Allocate(shape);
        t.CopyFrom(values);
        return t;
    }
}
