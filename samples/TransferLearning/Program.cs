// Transfer learning as Model Builder does it, on the CPU or a GPU: a folder of one's own images (here Fashion-MNIST, 100
// training images per class written as PNG files; the full 10,000 test images), a pretrained backbone, a classifier on
// top. Three ways, each timed and scored on the test set:
//   (a) the ImageNet ResNet-18 of the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18, fine-tuned whole with a new head
//       (backbone at a tenth of the head's learning rate, its BatchNorm statistics kept);
//   (b) the same network from scratch with the same budget (epochs, optimizer);
//   (c) ML.NET's own LbfgsMaximumEntropy on the pretrained network's features (ml.Transforms.ConvNetFeaturize).
// Then nearest neighbours in the pretrained features (the lecture's AlexNet slide: a query and the 6 training images
// closest in Euclidean distance of the last hidden layer): a PNG grid for a few test queries, and precision@6 over the
// whole test set. Prints `test accuracy:` of (a) last.
//
// Data: the IDX files of the Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist or --data DIR).
// Usage: dotnet run -c Release --project samples/TransferLearning -- [--size 64] [--per-class 100] [--epochs 8]
//        [--test-per-class N (default: the whole test set)] [--lr 0.01] [--backbone-lr-scale 0.1] [--train-batchnorm]
//        [--ways abc (which of (a), (b), (c) to run)] [--device cpu|gpu|gpu:ID|auto] [--data DIR] [--output DIR]
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Data;
using MlNetConv.Estimators;
using MlNetConv.Neighbours;
using MlNetConv.Optimizers;
using MlNetConv.Plots;
using MlNetConv.Samples.TransferLearning;
using MlNetConv.Training;
using MlNetConv.Transforms;

var options = Arguments.Parse(args);
string[] classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
Directory.CreateDirectory(options.Output);
var clock = Stopwatch.StartNew();
var trainRows = ImageFolder.Write(options.Data, "train", Path.Combine(options.Output, "images", "train"), classes, options.PerClass);
var testRows = ImageFolder.Write(options.Data, "t10k", Path.Combine(options.Output, "images", "test"), classes, options.TestPerClass);
Console.WriteLine($"Fashion-MNIST as PNG files: {trainRows.Count} training images ({options.PerClass} per class), {testRows.Count} test images, "
    + $"written in {clock.Elapsed.TotalSeconds:F1} s to {Path.Combine(options.Output, "images")}");

var ml = new MLContext(seed: 1);
var train = ml.Data.LoadFromEnumerable(trainRows);
var test = ml.Data.LoadFromEnumerable(testRows);
var resnet = PretrainedModels.ResNet18ImageNet(options.Size);
Console.WriteLine($"{resnet}; images read as {resnet.Preprocessing}");

// The images: file → MLImage of the network's input size (what ImagePreprocessing.Steps does before ExtractPixels).
IEstimator<ITransformer> Images() => ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Transforms.LoadImages("Image", imageFolder: null, "ImagePath"))
    .Append(ml.Transforms.ResizeImages("Image", options.Size, options.Size));

(double Accuracy, double Seconds) Train(string name, ConvNetClassificationOptions trainer)
{
    var watch = Stopwatch.StartNew();
    trainer.FeatureColumnName = "Image";
    trainer.Epochs = options.Epochs;
    trainer.BatchSize = 32;
    trainer.Seed = 1;
    trainer.Device = options.Device;
    trainer.Schedule = LearningRateSchedules.Cosine(options.Epochs);
    trainer.Progress = new Progress<TrainingProgress>(p => { if (p.EpochCompleted) Console.WriteLine($"  {name}: {p}"); });
    var model = Images().Append(ml.MulticlassClassification.Trainers.ConvNet(ml, trainer)).Fit(train);
    var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
    watch.Stop();
    Console.WriteLine($"{name}: test accuracy {metrics.MicroAccuracy:F4} in {watch.Elapsed.TotalSeconds:F0} s (training and testing)");
    return (metrics.MicroAccuracy, watch.Elapsed.TotalSeconds);
}

// (a) Fine-tuned: every layer trains, the pretrained ones ten times slower than the new head; their BatchNorm layers keep
// ImageNet's statistics (FreezeBatchNorm: 0.853 against 0.828 with statistics that follow the 1,000 images, on 2,000 test
// images).
var fineTuned = !options.Ways.Contains('a') ? (double.NaN, 0) : Train("(a) ResNet-18 ImageNet, fine-tuned", new ConvNetClassificationOptions
{
    Pretrained = resnet, BackboneLearningRateScale = options.BackboneScale, FreezeBatchNorm = options.FreezeBatchNorm,
    Optimizer = new SgdOptions(options.LearningRate, 0.9f, WeightDecay: 1e-4f),
});

// (b) The same network and budget from scratch (the head's learning rate everywhere, as a network without pretraining needs).
var scratch = !options.Ways.Contains('b') ? (double.NaN, 0) : Train("(b) ResNet-18 from scratch", new ConvNetClassificationOptions
{
    Architecture = resnet.WithHead(classes.Length), ImagePreprocessing = resnet.Preprocessing,
    Optimizer = new SgdOptions(options.LearningRate, 0.9f, WeightDecay: 1e-4f),
});

// (c) ML.NET's own linear classifier on the pretrained features.
if (!options.Ways.Contains('c')) return;
var watch = Stopwatch.StartNew();
var featurizer = Images().Append(ml.Transforms.ConvNetFeaturize("Features", "Image", resnet,
    new ConvNetFeaturizerOptions { Device = options.Device })).Fit(train);
// The features once, for the linear classifier and the neighbours (cached: the network runs once per image).
var trainFeatures = ml.Data.Cache(featurizer.Transform(train));
var testFeatures = ml.Data.Cache(featurizer.Transform(test));
var linear = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("Label", "Features").Fit(trainFeatures);
var linearMetrics = ml.MulticlassClassification.Evaluate(linear.Transform(testFeatures));
watch.Stop();
Console.WriteLine($"(c) LbfgsMaximumEntropy on ResNet-18 features: test accuracy {linearMetrics.MicroAccuracy:F4} in {watch.Elapsed.TotalSeconds:F0} s (featurizing and training)");

// Nearest neighbours of test queries among the training images, in the pretrained features.
var (trainVectors, trainLabels) = Vectors(trainFeatures);
var (testVectors, testLabels) = Vectors(testFeatures);
const int k = 6;
using var index = new NearestNeighbourIndex(CpuBackend.Default, trainVectors, 512, trainLabels);
var found = index.Search(testVectors, k);
double precision = RetrievalMetrics.PrecisionAtK(testLabels, index.LabelsOf(found.Indices), k);
int[] queries = [.. Enumerable.Range(0, classes.Length).Select(c => Array.IndexOf(testLabels, c))];
string grid = Path.Combine(options.Output, "neighbours.png");
NeighbourGrid.Write(grid, [.. queries.Select(q => new NeighbourGridRow(
    new NeighbourGridCell(GridImage.FromFile(testRows[q].ImagePath), classes[testLabels[q]]),
    [.. Enumerable.Range(0, k).Select(j => (Index: found.IndicesOf(q)[j], Distance: found.DistancesOf(q)[j]))
        .Select(n => new NeighbourGridCell(GridImage.FromFile(trainRows[n.Index].ImagePath), classes[trainLabels[n.Index]], n.Distance))]))]);
Console.WriteLine($"nearest neighbours: precision@{k} {precision:F4} over {testLabels.Length} test queries among {trainLabels.Length} training images; "
    + $"grid of {queries.Length} queries in {grid}");

Console.WriteLine();
Console.WriteLine($"| {"way",-52} | test accuracy | seconds |");
Console.WriteLine($"| {"(a) ResNet-18 ImageNet, fine-tuned",-52} | {fineTuned.Accuracy,13:F4} | {fineTuned.Seconds,7:F0} |");
Console.WriteLine($"| {"(b) ResNet-18 from scratch, same budget",-52} | {scratch.Accuracy,13:F4} | {scratch.Seconds,7:F0} |");
Console.WriteLine($"| {"(c) LbfgsMaximumEntropy on ResNet-18 features",-52} | {linearMetrics.MicroAccuracy,13:F4} | {watch.Elapsed.TotalSeconds,7:F0} |");
Console.WriteLine($"precision@{k} of nearest neighbours in the features: {precision:F4}; total {clock.Elapsed.TotalMinutes:F1} min on {(options.Device == Device.Cpu ? $"{Environment.ProcessorCount} CPU cores" : options.Device)}");
Console.WriteLine($"test accuracy: {fineTuned.Accuracy:F4}");

// The feature vectors and each row's class (its index in `classes`, through the label key's values).
(float[] Vectors, int[] Labels) Vectors(IDataView view)
{
    VBuffer<ReadOnlyMemory<char>> names = default;
    view.Schema["Label"].GetKeyValues(ref names);
    var classOfKey = names.DenseValues().Select(n => Array.IndexOf(classes, n.ToString())).ToArray();
    var vectors = new List<float>();
    var labels = new List<int>();
    using var cursor = view.GetRowCursor([view.Schema["Features"], view.Schema["Label"]]);
    var features = cursor.GetGetter<VBuffer<float>>(view.Schema["Features"]);
    var label = cursor.GetGetter<uint>(view.Schema["Label"]);
    VBuffer<float> buffer = default;
    uint key = 0;
    while (cursor.MoveNext())
    {
        features(ref buffer);
        label(ref key);
        vectors.AddRange(buffer.DenseValues());
        labels.Add(classOfKey[key - 1]);
    }
    return ([.. vectors], [.. labels]);
}

internal sealed record Arguments(int Size, int PerClass, int? TestPerClass, int Epochs, float LearningRate, float BackboneScale, bool FreezeBatchNorm, string Ways, Device Device, string Data, string Output)
{
    public static Arguments Parse(string[] args)
    {
        var a = new Arguments(64, 100, null, 8, 0.01f, 0.1f, true, "abc", Device.Cpu, "/usr/share/datasets/fashion-mnist", Path.Combine(AppContext.BaseDirectory, "transfer-output"));
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            a = args[i] switch
            {
                "--size" => a with { Size = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--per-class" => a with { PerClass = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--test-per-class" => a with { TestPerClass = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--lr" => a with { LearningRate = float.Parse(Next(), CultureInfo.InvariantCulture) },
                "--backbone-lr-scale" => a with { BackboneScale = float.Parse(Next(), CultureInfo.InvariantCulture) },
                "--train-batchnorm" => a with { FreezeBatchNorm = false },
                "--ways" => a with { Ways = Next() },
                "--epochs" => a with { Epochs = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--device" => a with { Device = Device.Parse(Next()) },
                "--data" => a with { Data = Next() },
                "--output" => a with { Output = Next() },
                _ => throw new ArgumentException($"Unknown argument {args[i]}."),
            };
        }
        return a;
    }
}
