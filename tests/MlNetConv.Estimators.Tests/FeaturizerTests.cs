using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Estimators.Persistence;
using MlNetConv.Graphs;
using MlNetConv.Tensors;
using MlNetConv.Tests.Shared;
using MlNetConv.Transforms;
using MlNetConv.Zoo;
using Xunit.Abstractions;

namespace MlNetConv.Estimators.Tests;

/// <summary>
/// <c>ml.Transforms.ConvNetFeaturize</c>: the ImageNet ResNet-18 of the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18
/// against ONNX Runtime running the package's two models, saving and loading in a new process, the default feature node.
/// </summary>
public sealed class FeaturizerTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string Models = Path.Combine(AppContext.BaseDirectory, "DnnImageModels");
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetconv-featurizer-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Twenty colour PNGs of real digits (R, G, B = three different MNIST digits), 28 x 28, resized to 224 by the pipeline.</summary>
    private List<PathRow> Images(int count) =>
        [.. Enumerable.Range(0, count).Select(i =>
        {
            string path = Path.Combine(_folder, $"image-{i}.png");
            DigitImages.WriteColourPng(3 * i, 3 * i + 1, 3 * i + 2, path);
            return new PathRow { ImagePath = path };
        })];

    [Fact]
    public void ResNet18FeaturesEqualOnnxRuntimesRunOfThePackagesTwoModels()
    {
        var ml = new MLContext(seed: 1);
        var rows = ml.Data.LoadFromEnumerable(Images(20));
        var resnet = PretrainedModels.ResNet18ImageNet(modelDirectory: Models);
        Assert.Equal(new Shape(3, 224, 224), resnet.Network.SampleShape);
        var pipeline = ml.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(ml.Transforms.ResizeImages("Image", 224, 224))
            // What ML.NET's DnnImageFeaturizer feeds the package's models: R, G, B values 0..255, planar.
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Append(ml.Transforms.ConvNetFeaturize("Features", "Image", resnet, new ConvNetFeaturizerOptions { BatchSize = 8 }));
        var scored = pipeline.Fit(rows).Transform(rows);
        Assert.Equal(512, ((VectorDataViewType)scored.Schema["Features"].Type).Size);

        byte[] preprocess = File.ReadAllBytes(Path.Combine(Models, "ResNetPrepOnnx", "ResNetPreprocess.onnx"));
        byte[] network = File.ReadAllBytes(Path.Combine(Models, "ResNet18Onnx", "ResNet18.onnx"));
        double worst = 0, largest = 0;
        int count = 0;
        foreach (var (pixels, features) in Read(scored, "Pixels", "Features"))
        {
            var prepared = OnnxRuntimeCheck.Outputs(preprocess, "OriginalInput", pixels, [1, 3, 224, 224]).Single();
            var expected = OnnxRuntimeCheck.Outputs(network, "Input247", prepared, [1, 3, 224, 224]).Single();
            Assert.Equal(512, expected.Length);
            for (int j = 0; j < 512; j++)
            {
                worst = Math.Max(worst, Math.Abs(expected[j] - features[j]));
                largest = Math.Max(largest, Math.Abs(expected[j]));
            }
            count++;
        }
        output.WriteLine($"ResNet-18 features of {count} images: max |ours - ONNX Runtime| = {worst:G3}, largest |feature| = {largest:G4}");
        Assert.Equal(20, count);
        Assert.True(largest > 0.1, "ONNX Runtime's features are all near zero: the comparison would be empty");
        Assert.True(worst <= 1e-4, $"max |ours - ONNX Runtime| = {worst:G3}");
    }

    [Fact]
    public async Task ASavedFeaturizerGivesTheSameVectorsInANewProcess()
    {
        var ml = new MLContext(seed: 1);
        var resnet = PretrainedModels.ResNet18ImageNet(modelDirectory: Models);
        // The network on pixel vectors (what ExtractPixels gives), so that the checker program can feed it numbers.
        var onPixels = new PretrainedModel(resnet.Network, null, resnet.FeatureNode);
        var images = ml.Data.LoadFromEnumerable(Images(3));
        var pixels = ml.Transforms.LoadImages("Image", null, "ImagePath").Append(ml.Transforms.ResizeImages("Image", 224, 224))
            .Append(ml.Transforms.ExtractPixels("Features", "Image")).Fit(images).Transform(images);
        var vectors = Read(pixels, "Features", "Features").Select(p => p.Item1).ToList();
        var schema = SchemaDefinition.Create(typeof(VectorRow));
        schema[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3 * 224 * 224);
        var data = ml.Data.LoadFromEnumerable(vectors.Select(v => new VectorRow { Features = v }), schema);
        // One row per forward pass, as the loaded chain scores: the products then sum in the same order, so the bits agree.
        var featurizer = ml.Transforms.ConvNetFeaturize("Score", "Features", onPixels, new ConvNetFeaturizerOptions { BatchSize = 1 }).Fit(data);
        var expected = Read(featurizer.Transform(data), "Score", "Score").Select(p => p.Item1).ToList();

        string zip = Path.Combine(_folder, "featurizer.zip");
        ml.Model.Save(featurizer, data.Schema, zip);
        var lines = await ModelLoadCheckProcess.Score(zip, vectors, _folder);
        Assert.Equal(expected.Count, lines.Count);
        for (int i = 0; i < lines.Count; i++)
        {
            Assert.Equal("-", lines[i].Predicted);
            Assert.Equal(expected[i], lines[i].Scores);
        }

        // In this process too, restored as the batched transformer: the same bits.
        var restored = ml.Model.LoadConvNet(zip, out _);
        Assert.IsType<ConvNetFeaturizerTransformer>(restored.FindConvNet<ConvNetFeaturizerTransformer>());
        Assert.Equal(expected, Read(restored.Transform(data), "Score", "Score").Select(p => p.Item1));
    }

    [Fact]
    public void TheDefaultFeatureNodeIsTheLastHiddenLayer()
    {
        using var lenet = new Network(Architectures.LeNet5(), new Shape(1, 32, 32), seed: 3);
        var model = new PretrainedModel(lenet, null);
        var featurizer = new ConvNetFeaturizer(model, "Features", "Pixels");
        Assert.NotNull(featurizer.FeatureNode);
        var transformer = featurizer.Create();
        Assert.Equal(84, transformer.FeatureCount);

        // The features are the activations the full network computes at that node.
        var input = Enumerable.Range(0, 2 * 32 * 32).Select(i => MathF.Sin(i * 0.37f)).ToArray();
        var ml = new MLContext(seed: 1);
        var schema = SchemaDefinition.Create(typeof(VectorRow));
        schema[0].ColumnName = "Pixels";
        schema[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 32 * 32);
        var data = ml.Data.LoadFromEnumerable([new VectorRow { Features = input[..1024] }, new VectorRow { Features = input[1024..] }], schema);
        var ours = Read(transformer.Transform(data), "Features", "Features").SelectMany(p => p.Item1).ToArray();
        using var cut = model.Build(featurizer.FeatureNode);
        Assert.Equal(cut.Predict(input), ours);
    }

    [Fact]
    public void AColumnOfTheWrongKindIsAClearError()
    {
        var ml = new MLContext(seed: 1);
        var resnet = PretrainedModels.ResNet18ImageNet(imageSize: 64, modelDirectory: Models);
        var rows = ml.Data.LoadFromEnumerable(Images(1));
        var sized = ml.Transforms.LoadImages("Image", null, "ImagePath").Append(ml.Transforms.ResizeImages("Image", 32, 32)).Fit(rows).Transform(rows);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.ConvNetFeaturize("Features", "Image", resnet).Fit(sized));
        Assert.Contains("64x64", e.Message);
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.ConvNetFeaturize("Features", "Picture", resnet).Fit(sized));
        Assert.Contains("'Picture' not found", missing.Message);
    }

    private static IEnumerable<(float[], float[])> Read(IDataView view, string first, string second)
    {
        using var cursor = view.GetRowCursor([view.Schema[first], view.Schema[second]]);
        var a = cursor.GetGetter<VBuffer<float>>(view.Schema[first]);
        var b = cursor.GetGetter<VBuffer<float>>(view.Schema[second]);
        VBuffer<float> x = default, y = default;
        while (cursor.MoveNext())
        {
            a(ref x);
            b(ref y);
            yield return (x.DenseValues().ToArray(), y.DenseValues().ToArray());
        }
    }

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }

    private sealed class VectorRow
    {
        public float[] Features { get; set; } = [];
    }
}
