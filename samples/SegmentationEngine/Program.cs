// Trains a small FCN-8s (or FCN-32s, or SegNet) with the engine alone — no ML.NET — on 64x64 scenes of 2 to 4 real MNIST
// digits (SegmentationScenes: 11 classes, background plus one per digit), then reports pixel accuracy and mean IoU on
// scenes made from held-out digits. Optionally the FCN's ResNet backbone first learns to classify single digits and
// starts from those weights (CopyMatchingParameters), as FCN starts from an ImageNet classifier.
//
//   dotnet run -c Release -- [fcn8s|fcn16s|fcn32s|segnet] [epochs=10] [train scenes=2000] [pretrain epochs=2]
using System.Diagnostics;
using System.Globalization;
using MlNetConv.Data;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Losses;
using MlNetConv.Optimizers;
using MlNetConv.Summary;
using MlNetConv.Tensors;
using MlNetConv.Training;
using MlNetConv.Zoo;

string variant = args.Length > 0 ? args[0] : "fcn8s";
int epochs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
int trainScenes = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2000;
int pretrainEpochs = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 2;
const int Depth = 18, Width = 16, TestScenes = 500;

var clock = Stopwatch.StartNew();
var digits = MnistDigits.Load(MnistDigits.FindDefault());
var train = SegmentationScenes.Train(digits, trainScenes, new() { Seed = 1 });
var test = SegmentationScenes.Test(digits, TestScenes, new() { Seed = 2 });
Console.WriteLine($"{train.Count} training scenes (digits 0..7999), {test.Count} test scenes (digits 8000..9999), {train.Size}x{train.Size}, {SegmentationScenes.Classes} classes");

ILayer architecture = variant switch
{
    "fcn8s" => Architectures.Fcn8s(SegmentationScenes.Classes, Depth, Width),
    "fcn16s" => Architectures.Fcn16s(SegmentationScenes.Classes, Depth, Width),
    "fcn32s" => Architectures.Fcn32s(SegmentationScenes.Classes, Depth, Width),
    "segnet" => Architectures.SegNet(SegmentationScenes.Classes, width: Width / 2, stages: 4),
    _ => throw new ArgumentException($"Unknown variant '{variant}': use fcn8s, fcn16s, fcn32s or segnet."),
};
using var network = new Network(architecture, train.SampleShape, seed: 1);
var summary = ModelSummary.Of(network);
Console.WriteLine($"{network.Root.Name}: {summary.TotalParameters:N0} parameters, {summary.TotalMultiplyAccumulates:N0} multiply-accumulates per scene");

if (variant.StartsWith("fcn", StringComparison.Ordinal) && pretrainEpochs > 0)
{
    // The backbone as a digit classifier on the same 8,000 training digits, then its weights (all but fc) into the FCN.
    using var classifier = new Network(Architectures.ResNet(Depth, 10, Width), new Shape(1, MnistDigits.Rows, MnistDigits.Columns), seed: 1);
    var digitData = Digits(digits.Slice(SegmentationScenes.TrainFirst, SegmentationScenes.TrainCount));
    new Trainer(classifier, new TrainerOptions
    {
        Epochs = pretrainEpochs, BatchSize = 64, Seed = 1,
        Optimizer = new AdamOptions(LearningRate: 2e-3f),
        Progress = new Progress<TrainingProgress>(p => { if (p.EpochCompleted) Console.WriteLine("  pretrain " + p); }),
    }).Fit(digitData);
    int copied = network.CopyMatchingParameters(classifier).Count;
    Console.WriteLine($"backbone: {copied} tensors copied from the digit classifier ({clock.Elapsed.TotalSeconds:F0} s)");
}

// SegNet's paper weighs the loss by median frequency balancing; FCN's uses none.
float[]? classWeights = variant == "segnet" ? MedianFrequencyBalancing(train) : null;
if (classWeights is not null) Console.WriteLine("class weights: " + string.Join(" ", classWeights.Select(w => w.ToString("F3", CultureInfo.InvariantCulture))));
var trainer = new Trainer(network, new TrainerOptions
{
    Epochs = epochs, BatchSize = 16, Seed = 1,
    Loss = WeightedSumLoss.Single(new SoftmaxCrossEntropyLoss(classWeights)),
    Optimizer = new AdamOptions(LearningRate: 2e-3f),
    Schedule = LearningRateSchedules.Cosine(epochs),
    Progress = new Progress<TrainingProgress>(p => { if (p.EpochCompleted) Console.WriteLine(p); }),
});
trainer.Fit(train.ToDataset());

var confusion = ConfusionMatrix.Of(network, test.ToDataset());
Console.WriteLine($"wall time: {clock.Elapsed.TotalSeconds:F0} s");
Console.WriteLine($"test pixel accuracy: {confusion.PixelAccuracy:F4}");
Console.WriteLine($"test mean IoU: {confusion.MeanIoU:F4}");
Console.WriteLine("per-class IoU (background, 0..9): " +
    string.Join(" ", Enumerable.Range(0, SegmentationScenes.Classes).Select(c => confusion.IoU(c).ToString("F3", CultureInfo.InvariantCulture))));

static IDataset Digits(MnistDigits d)
{
    var features = new float[d.Count * MnistDigits.PixelsPerImage];
    var labels = new int[d.Count];
    for (int i = 0; i < d.Count; i++)
    {
        d.CopyImage(i, features.AsSpan(i * MnistDigits.PixelsPerImage, MnistDigits.PixelsPerImage));
        labels[i] = d.Label(i);
    }
    return new InMemoryDataset(features, labels, new Shape(1, MnistDigits.Rows, MnistDigits.Columns));
}

// w_c = median_c'(f_c') / f_c, f_c = pixels of class c / pixels of the scenes where c occurs (Eigen and Fergus 2015).
static float[] MedianFrequencyBalancing(SegmentationScenes scenes)
{
    long[] pixels = new long[SegmentationScenes.Classes], present = new long[SegmentationScenes.Classes];
    int plane = scenes.Size * scenes.Size;
    for (int s = 0; s < scenes.Count; s++)
    {
        var counts = new long[SegmentationScenes.Classes];
        foreach (int label in scenes.Labels.AsSpan(s * plane, plane)) counts[label]++;
        for (int c = 0; c < counts.Length; c++)
        {
            pixels[c] += counts[c];
            if (counts[c] > 0) present[c] += plane;
        }
    }
    var frequency = pixels.Select((p, c) => present[c] == 0 ? 0 : (double)p / present[c]).ToArray();
    double median = frequency.Order().ElementAt(frequency.Length / 2);
    return frequency.Select(f => f == 0 ? 0f : (float)(median / f)).ToArray();
}
