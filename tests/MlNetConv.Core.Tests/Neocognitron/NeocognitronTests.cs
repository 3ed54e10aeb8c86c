using MlNetConv.Data;
using MlNetConv.Neocognitron;
using MlNetConv.Persistence;
using MlNetConv.Summary;
using MlNetConv.Tensors;
using NeocognitronModel = MlNetConv.Neocognitron.Neocognitron;

namespace MlNetConv.Tests.Neocognitron;

/// <summary>The whole network learned on a few real digits: determinism, saving, loading and the summary.</summary>
public sealed class NeocognitronTests
{
    private static readonly Shape Sample = new(1, MnistDigits.Rows, MnistDigits.Columns);

    private static readonly NeocognitronOptions Small = new()
    {
        ImagesPerStage = 120,
        Stages =
        [
            new() { MaxPlanes = 6, KernelSize = 5, LearningTheta = 0.75f, RecognitionTheta = 0.6f, CompetitionArea = 7, CGain = 4f },
            new() { MaxPlanes = 10, KernelSize = 5, LearningTheta = 0.7f, RecognitionTheta = 0.55f, CompetitionArea = 7, CGain = 4f },
        ],
    };

    private static float[] Digits(int count)
    {
        var digits = MnistDigits.Load(MnistDigits.FindDefault());
        var images = new float[count * MnistDigits.PixelsPerImage];
        for (int i = 0; i < count; i++) digits.CopyImage(i, images.AsSpan(i * MnistDigits.PixelsPerImage, MnistDigits.PixelsPerImage));
        return images;
    }

    [Fact]
    public void SameSeedGivesTheSameModelAndAnotherSeedAnother()
    {
        var images = Digits(150);
        using var a = NeocognitronModel.Learn(images, Sample, Small);
        using var b = NeocognitronModel.Learn(images, Sample, Small);
        using var c = NeocognitronModel.Learn(images, Sample, Small with { Seed = 2 });
        Assert.Equal(ModelFile.ToBytes(a), ModelFile.ToBytes(b));
        Assert.NotEqual(ModelFile.ToBytes(a), ModelFile.ToBytes(c));
        Assert.Equal(a.Predict(images), b.Predict(images));
    }

    [Fact]
    public void LearnedModelGrowsPlanesSavesLoadsAndSummarises()
    {
        var images = Digits(150);
        using var network = NeocognitronModel.Learn(images, Sample, Small);
        var summary = ModelSummary.Of(network);
        var us1 = summary.Rows.Single(r => r.Name.EndsWith("us1"));
        var uc2 = summary.Rows.Single(r => r.Name.EndsWith("uc2"));
        Assert.Equal(6, us1.OutputShape.C);                        // the cap of stage 1 is reached on digits
        Assert.InRange(uc2.OutputShape.C, 2, 10);
        Assert.Equal(new Shape(1, 2, 28, 28), summary.Rows.Single(r => r.Name.EndsWith("ug")).OutputShape);
        Assert.Equal(new Shape(1, uc2.OutputShape.C, 7, 7), uc2.OutputShape);
        // a and b of every plane are the model's only weights: (planes, Cin, 5, 5) and (planes) per S-layer.
        Assert.Equal(6 * 2 * 25 + 6 + uc2.OutputShape.C * 6 * 25 + uc2.OutputShape.C, network.Parameters.Sum(p => (long)p.Size));
        Assert.Equal(0, network.ParameterCount);                  // none is trained by gradients
        Assert.True(us1.MultiplyAccumulates > 0);

        var bytes = ModelFile.ToBytes(network);
        var (loaded, _) = ModelFile.FromBytes(bytes);
        using (loaded)
        {
            Assert.Equal(network.Predict(images), loaded.Predict(images));
            Assert.Equal(bytes, ModelFile.ToBytes(loaded));
        }
        var features = network.Predict(images);
        Assert.Contains(features, f => f > 0f);
        Assert.All(features, f => Assert.InRange(f, 0f, 1f));     // ψ keeps C-cells in [0, 1)
    }

    [Fact]
    public void LinearReadoutIsJoinedToTheFrozenNetwork()
    {
        var digits = MnistDigits.Load(MnistDigits.FindDefault());
        var images = Digits(150);
        var labels = Enumerable.Range(0, 150).Select(digits.Label).ToArray();
        using var network = NeocognitronModel.Learn(images, Sample, Small);
        var before = network.Predict(images);
        using var joined = LinearReadout.Train(network, images, labels, 10, LinearReadout.DefaultOptions with { Epochs = 40 });
        Assert.Equal(before, network.Predict(images));             // the neocognitron below is not touched
        Assert.Equal(["ug", "us1", "uc1", "us2", "uc2", "flatten", "readout"], ((global::MlNetConv.Graphs.Sequential)joined.Root).Layers.Select(l => l.Name));
        Assert.Equal(network["us2.weight"].Value.ToArray(), joined["us2.weight"].Value.ToArray());
        Assert.Equal(joined.Parameters.Where(p => p.Trainable).Sum(p => (long)p.Size), joined.ParameterCount);
        Assert.Equal(10 * network.OutputShapes[0].Size + 10, joined.ParameterCount); // only the readout is trainable
        // Fitted on these 150 digits, the readout classifies most of them.
        var scores = joined.Predict(images);
        int right = Enumerable.Range(0, 150).Count(i => scores.AsSpan(i * 10, 10).IndexOf(scores.AsSpan(i * 10, 10).ToArray().Max()) == labels[i]);
        Assert.True(right > 120, $"{right} of 150 training digits");
        var (loaded, _) = ModelFile.FromBytes(ModelFile.ToBytes(joined));
        using (loaded) Assert.Equal(scores, loaded.Predict(images));
    }

    [Fact]
    public void BadInputIsRejectedWithTheReason()
    {
        Assert.Contains("(1, H, W)", Assert.Throws<ArgumentException>(() => NeocognitronModel.Learn(new float[784], new Shape(3, 28, 28), Small)).Message);
        Assert.Contains("whole number", Assert.Throws<ArgumentException>(() => NeocognitronModel.Learn(new float[700], Sample, Small)).Message);
    }
}
