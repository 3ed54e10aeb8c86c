using MlNetConv.Backends.Cpu;
using MlNetConv.Gpu.Tests.Support;
using MlNetConv.Neocognitron;
using MlNetConv.Persistence;
using MlNetConv.Tensors;
using NeocognitronModel = MlNetConv.Neocognitron.Neocognitron;

namespace MlNetConv.Gpu.Tests;

/// <summary>
/// The neocognitron's cells run on the GPU backend's kernels (convolution, element-wise broadcast with the S-cell op,
/// the saturation op), here on ILGPU's CPU accelerator: learned on one backend, loaded on the other, the same answers.
/// </summary>
public sealed class NeocognitronOnGpuTests
{
    // Strokes on 16 × 16: a bar per image at a drawn place and slope, so the stages have something to learn.
    private static float[] Strokes(int count)
    {
        var random = new RandomStream(3, "strokes");
        var images = new float[count * 256];
        for (int i = 0; i < count; i++)
        {
            int x0 = 3 + random.NextInt(10), y0 = 3 + random.NextInt(4), slope = random.NextInt(3) - 1;
            for (int t = 0; t < 9; t++) images[i * 256 + (y0 + t) * 16 + Math.Clamp(x0 + slope * t / 2, 0, 15)] = 1f;
        }
        return images;
    }

    private static readonly NeocognitronOptions Options = new()
    {
        ImagesPerStage = 60,
        Stages =
        [
            new() { MaxPlanes = 4, KernelSize = 5, LearningTheta = 0.75f, RecognitionTheta = 0.6f, CompetitionArea = 8, CGain = 4f },
            new() { MaxPlanes = 6, KernelSize = 3, LearningTheta = 0.7f, RecognitionTheta = 0.5f, CompetitionArea = 4, CKernelSize = 3, CGain = 4f },
        ],
    };

    [Fact]
    public void LearnedOnTheCpuAnswersTheSameOnTheGpuBackend()
    {
        var images = Strokes(60);
        var sample = new Shape(1, 16, 16);
        using var cpu = NeocognitronModel.Learn(images, sample, Options, new CpuBackend());
        images = images[..(12 * 256)];
        var (gpu, _) = ModelFile.FromBytes(ModelFile.ToBytes(cpu), TestBackends.CpuAccelerator);
        using (gpu)
        {
            var expected = cpu.Predict(images);
            var actual = gpu.Predict(images);
            Assert.Contains(expected, v => v > 0.05f);
            for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f, $"value {i}: CPU {expected[i]}, GPU backend {actual[i]}");
        }
    }

    [Fact]
    public void LearningOnTheGpuBackendGrowsTheSamePlanes()
    {
        // Few images: every one is a forward pass of its own on the (slow) CPU accelerator.
        var images = Strokes(12);
        var sample = new Shape(1, 16, 16);
        using var cpu = NeocognitronModel.Learn(images, sample, Options, new CpuBackend());
        using var gpu = NeocognitronModel.Learn(images, sample, Options, TestBackends.CpuAccelerator);
        Assert.Equal(cpu.Parameters.Select(p => (p.Name, p.Shape)), gpu.Parameters.Select(p => (p.Name, p.Shape)));
    }
}
