using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Backends;

/// <summary>
/// The CPU backend's losses (blocks of items on the cores) and optimizer steps (Vector512 lanes) against the reference
/// kernels (one item, one parameter at a time) over random shapes: classification and per-pixel losses with class
/// weights and ignored labels, parameter counts with and without a tail of 16, several steps in a row.
/// </summary>
public sealed class LossOptimizerKernelParityTests
{
    /// <summary>Both sides compute each value in double and round once, from differently ordered formulas (exp/sum against exp of z - log-sum-exp).</summary>
    private const double Tolerance = 1e-6;

    private static readonly CpuBackend Fast = new();
    private static readonly CpuBackend Reference = new(new CpuBackendOptions { ReferenceKernels = true });

    [Fact]
    public void SoftmaxCrossEntropy_RandomShapes_MatchReference()
    {
        var random = new RandomStream(71, "cross-entropy parity");
        for (int trial = 0; trial < 40; trial++)
        {
            int n = random.Pick(1, 1, 2, 5), k = random.Pick(1, 2, 3, 10, 17);
            // Some per-pixel shapes big enough that the fast kernel splits the items into blocks on the cores.
            int[] spatial = random.NextInt(3) switch { 0 => [], 1 => [random.Between(1, 7), random.Pick(1, 5, 17)], _ => [random.Between(30, 60), random.Between(40, 70)] };
            var shape = new Shape([n, k, .. spatial]);
            int items = n * shape.SpatialSize;
            int ignoreIndex = random.Pick(-100, k - 1);
            var labels = Enumerable.Range(0, items).Select(_ => random.NextInt(4) == 0 ? ignoreIndex : random.NextInt(k)).ToArray();
            var logits = KernelParity.Uniform(shape.Size, random).Select(v => v * random.Pick(1f, 8f, 60f)).ToArray(); // up to e^120 apart: log-sum-exp must shift
            var classWeights = random.NextInt(2) == 0 ? null : KernelParity.Abs(KernelParity.Uniform(k, random));
            var expected = RunCrossEntropy(Reference, shape, logits, labels, classWeights, ignoreIndex);
            var actual = RunCrossEntropy(Fast, shape, logits, labels, classWeights, ignoreIndex);
            foreach (var (name, e) in expected)
                KernelParity.AssertClose(e, actual[name], e.Select(v => 1f + Math.Abs(v)).ToArray(), Tolerance, $"{shape} ignore {ignoreIndex} weighted {classWeights is not null} {name}");
        }
    }

    [Fact]
    public void SoftmaxCrossEntropy_LabelOutOfRange_BothThrow()
    {
        var shape = new Shape(2, 3, 4);
        foreach (var backend in new[] { Reference, Fast })
        {
            var error = Assert.Throws<ArgumentException>(() => RunCrossEntropy(backend, shape, new float[shape.Size], [0, 1, 2, 3, 0, -100, 1, 2], null, -100));
            Assert.Equal("Cross-entropy: label 3 of item 3 (sample 0) is outside 0..2.", error.Message);
        }
    }

    [Fact]
    public void SoftmaxAndSquaredError_RandomShapes_MatchReference()
    {
        var random = new RandomStream(72, "softmax and squared error parity");
        for (int trial = 0; trial < 40; trial++)
        {
            int n = random.Pick(1, 1, 3), k = random.Pick(1, 2, 5, 16, 17);
            int[] spatial = random.NextInt(3) switch { 0 => [], 1 => [random.Pick(1, 15, 33)], _ => [random.Between(20, 50), random.Between(40, 90)] };
            var shape = new Shape([n, k, .. spatial]);
            var logits = KernelParity.Uniform(shape.Size, random).Select(v => v * 30f).ToArray();
            var target = KernelParity.Uniform(shape.Size, random);
            float scale = random.Pick(1f, 0.5f, 1f / shape.Size);
            var (expectedSum, expected) = RunSoftmaxSquared(Reference, shape, logits, target, scale);
            var (actualSum, actual) = RunSoftmaxSquared(Fast, shape, logits, target, scale);
            KernelParity.AssertClose(expected["softmax"], actual["softmax"], expected["softmax"].Select(v => 1f + v).ToArray(), Tolerance, $"{shape} softmax");
            KernelParity.AssertSameBits(expected["gradient"], actual["gradient"], $"{shape} squared error gradient");
            Assert.True(Math.Abs(actualSum - expectedSum) <= Tolerance * expectedSum, $"{shape}: squared error {actualSum}, expected {expectedSum}");
        }
    }

    [Fact]
    public void SgdAndAdam_RandomSizes_MatchReferenceExactly()
    {
        // Three steps in a row so the velocity and moments carry over; every option on and off.
        var random = new RandomStream(73, "optimizer parity");
        for (int trial = 0; trial < 60; trial++)
        {
            int size = random.Pick(1, 7, 15, 16, 17, 31, 33, 100, 1003);
            float[] p = KernelParity.Uniform(size, random), g = KernelParity.Uniform(size, random);
            float learningRate = random.Pick(0.1f, 1e-3f), momentum = random.Pick(0f, 0.9f), weightDecay = random.Pick(0f, 0.01f), beta2 = random.Pick(0.999f, 0.9f);
            bool nesterov = momentum != 0f && random.NextInt(2) == 0, decoupled = random.NextInt(2) == 0;
            Dictionary<string, float[]> Run(IBackend backend)
            {
                var shape = new Shape(size);
                using var sgd = KernelParity.Upload(backend, shape, p);
                using var adam = KernelParity.Upload(backend, shape, p);
                using var grad = KernelParity.Upload(backend, shape, g);
                using var velocity = momentum == 0f ? null : KernelParity.Upload(backend, shape, new float[size]);
                using var m = KernelParity.Upload(backend, shape, new float[size]);
                using var v = KernelParity.Upload(backend, shape, new float[size]);
                for (int step = 1; step <= 3; step++)
                {
                    backend.Optimizer.SgdStep(sgd, grad, velocity, learningRate, momentum, weightDecay, nesterov);
                    backend.Optimizer.AdamStep(adam, grad, m, v, learningRate, 0.9f, beta2, 1e-8f, weightDecay, decoupled, step);
                    backend.Elementwise.Scale(grad, -0.5f); // a new gradient for the next step
                }
                return new() { ["sgd"] = sgd.ToArray(), ["velocity"] = velocity?.ToArray() ?? [], ["adam"] = adam.ToArray(), ["m"] = m.ToArray(), ["v"] = v.ToArray() };
            }
            var expected = Run(Reference);
            var actual = Run(Fast);
            foreach (var (name, e) in expected)
                KernelParity.AssertSameBits(e, actual[name], $"size {size} lr {learningRate} momentum {momentum} nesterov {nesterov} decay {weightDecay} decoupled {decoupled} {name}");
        }
    }

    private static Dictionary<string, float[]> RunCrossEntropy(IBackend backend, Shape shape, float[] logits, int[] labels, float[]? classWeights, int ignoreIndex)
    {
        var items = new Shape(labels.Length);
        using var z = KernelParity.Upload(backend, shape, logits);
        using var y = backend.AllocateIndices(new Shape([shape.N, .. shape.Skip(2)]));
        backend.UploadIndices(labels, y);
        using var weightsOfClasses = classWeights is null ? null : KernelParity.Upload(backend, new Shape(shape.C), classWeights);
        using var losses = backend.Allocate(items);
        using var weights = backend.Allocate(items);
        using var logitsGrad = backend.Allocate(shape);
        backend.Loss.SoftmaxCrossEntropy(z, y, weightsOfClasses, ignoreIndex, losses, weights, logitsGrad);
        return new() { ["losses"] = losses.ToArray(), ["weights"] = weights.ToArray(), ["logitsGrad"] = logitsGrad.ToArray() };
    }

    private static (double SquaredError, Dictionary<string, float[]> Values) RunSoftmaxSquared(IBackend backend, Shape shape, float[] logits, float[] target, float scale)
    {
        using var z = KernelParity.Upload(backend, shape, logits);
        using var t = KernelParity.Upload(backend, shape, target);
        using var probabilities = backend.Allocate(shape);
        using var gradient = backend.Allocate(shape);
        backend.Loss.Softmax(z, probabilities);
        double sum = backend.Loss.SquaredError(z, t, scale, gradient);
        return (sum, new() { ["softmax"] = probabilities.ToArray(), ["gradient"] = gradient.ToArray() });
    }
}
