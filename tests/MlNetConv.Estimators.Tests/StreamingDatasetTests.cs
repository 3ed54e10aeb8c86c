using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;
using MlNetConv.Training;
using static MlNetConv.Tests.Shared.BarImages;

namespace MlNetConv.Estimators.Tests;

public class StreamingDatasetTests
{
    private static (IDataset Streaming, IDataset InMemory) Both(int rows, long streamingBytes)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(Bars(rows, 4))).Transform(ml.Data.LoadFromEnumerable(Bars(rows, 4)));
        var features = FeatureColumn.Resolve(data.Schema, "Features", null);
        var streaming = DataViewReader.Read(data, features, new KeyLabelColumn("Label"), false, "training", null, streamingBytes).Data;
        var inMemory = DataViewReader.Read(data, features, new KeyLabelColumn("Label"), false, "training", null, 1L << 30).Data;
        return (streaming, inMemory);
    }

    [Fact]
    public void LargeDataIsStreamedAndReadsTheSameSamplesInAnyOrder()
    {
        // 500 rows of 36 floats in a 100-sample cache.
        var (streaming, inMemory) = Both(500, 100 * 36 * sizeof(float));
        Assert.IsType<StreamingDataset>(streaming);
        Assert.IsType<InMemoryDataset>(inMemory);
        Assert.Equal(inMemory.Count, streaming.Count);
        var random = new RandomStream(7);
        var indices = new int[40];
        float[] a = new float[40 * 36], b = new float[40 * 36];
        int[] la = new int[40], lb = new int[40];
        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < indices.Length; i++) indices[i] = random.NextInt(500);
            streaming.CopyBatch(indices, a, la);
            inMemory.CopyBatch(indices, b, lb);
            Assert.Equal(b, a);
            Assert.Equal(lb, la);
        }
    }

    [Fact]
    public void AnEpochIsAPermutationReadInFewPasses()
    {
        var (streaming, _) = Both(500, 100 * 36 * sizeof(float));
        var order = Enumerable.Range(0, 500).ToArray();
        streaming.ShuffleEpoch(order, new RandomStream(3));
        Assert.Equal(Enumerable.Range(0, 500), order.Order());
        Assert.NotEqual(Enumerable.Range(0, 500), order);
        var dataset = (StreamingDataset)streaming;
        int before = dataset.Passes;
        var features = new float[25 * 36];
        var labels = new int[25];
        for (int start = 0; start < 500; start += 25) streaming.CopyBatch(order.AsSpan(start, 25), features, labels);
        // One pass per group of blocks: 500 rows through a 100-sample cache.
        Assert.InRange(dataset.Passes - before, 5, 6);
    }

    [Fact]
    public void TrainingOnStreamedDataLearnsAndIsReproducible()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Bars(300, 1));
        var test = ml.Data.LoadFromEnumerable(Bars(90, 2));
        float[] Scores(out double accuracy)
        {
            var model = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.MulticlassClassification.Trainers.ConvNet(ml, new ConvNetClassificationOptions
                {
                    Architecture = new NetworkBuilder().Conv2d(4, 3, padding: 1).ReLU().MaxPool2d(2).Flatten().Dense(3).Build(),
                    Epochs = 6, BatchSize = 16, Seed = 3, Optimizer = new SgdOptions(0.05f, 0.9f),
                    MaxInMemoryBytes = 64 * 36 * sizeof(float), ValidationFraction = 0.1f,
                }))
                .Fit(train);
            var scored = model.Transform(test);
            accuracy = ml.MulticlassClassification.Evaluate(scored).MicroAccuracy;
            return [.. scored.GetColumn<float[]>("Score").SelectMany(s => s)];
        }
        var first = Scores(out double accuracy);
        Assert.True(accuracy >= 0.9, $"accuracy {accuracy}");
        Assert.Equal(first, Scores(out _));
    }
}
