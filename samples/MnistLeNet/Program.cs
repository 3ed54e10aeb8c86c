// The main job: LeNet-5 trained as one step of an ML.NET pipeline on the bundled MNIST digits
// (first 8,000 for training, the held-out last 2,000 for testing), evaluated with ML.NET's evaluator and
// saved to model.zip, reloaded and used through a PredictionEngine. Prints `test accuracy: 0.NNNN` last.
using System.Diagnostics;
using Microsoft.ML;
using MlNetConv.Data;
using MlNetConv.Estimators;
using MlNetConv.Optimizers;
using MlNetConv.Samples.MnistLeNet;
using MlNetConv.Training;
using MlNetConv.Preprocessing;
using MlNetConv.Zoo;

var clock = Stopwatch.StartNew();
var ml = new MLContext(seed: 1);
var digits = MnistDigits.Load(MnistDigits.FindDefault());
IDataView train = ml.Data.LoadFromEnumerable(Rows(digits, 0, 8000));
IDataView test = ml.Data.LoadFromEnumerable(Rows(digits, 8000, digits.Count - 8000));

// Train
const int epochs = 40;
var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.MulticlassClassification.Trainers.ConvNet(ml, new ConvNetClassificationOptions
    {
        Architecture = Architectures.LeNet5(),
        Epochs = epochs,
        BatchSize = 32,
        Seed = 1,
        Optimizer = new SgdOptions(LearningRate: 0.02f, Momentum: 0.9f, WeightDecay: 5e-4f),
        Schedule = LearningRateSchedules.Cosine(epochs),
        Normalization = ChannelNormalization.Mnist,
        // Shift digits by up to 2 pixels, rotate by up to 10 degrees and zoom by up to 10 % each epoch: LeNet-5's
        // distortions (0.95 % -> 0.8 % error in the paper).
        Augmentation = new ImageAugmentation { CropPadding = 2, RotationDegrees = 10, Scale = 0.1f },
        Progress = new Progress<TrainingProgress>(p => { if (p.EpochCompleted) Console.WriteLine(p); }),
    }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
var model = pipeline.Fit(train);
Console.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F1} s");

// Evaluate
var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
Console.WriteLine($"macro accuracy: {metrics.MacroAccuracy:F4}, log-loss: {metrics.LogLoss:F4}");
Console.WriteLine(metrics.ConfusionMatrix.GetFormattedConfusionTable());

// Save, reload (as an app would: plain ml.Model.Load, no registration) and consume
string modelPath = Path.Combine(AppContext.BaseDirectory, "model.zip");
ml.Model.Save(model, train.Schema, modelPath);
var loaded = new MLContext().Model.Load(modelPath, out _);
Console.WriteLine($"saved and reloaded {modelPath} ({new FileInfo(modelPath).Length / 1024.0:F0} KiB)");
var engine = ml.Model.CreatePredictionEngine<ModelInput, ModelOutput>(loaded);
foreach (var row in Rows(digits, 8000, 5))
{
    var prediction = engine.Predict(row);
    Console.WriteLine($"digit {row.Label}: predicted {prediction.PredictedLabel} (p = {prediction.Score.Max():F3})");
}
Console.WriteLine($"wall time: {clock.Elapsed.TotalSeconds:F1} s");
Console.WriteLine($"test accuracy: {metrics.MicroAccuracy:F4}");

static IEnumerable<ModelInput> Rows(MnistDigits digits, int start, int count)
{
    for (int i = start; i < start + count; i++)
    {
        var pixels = new float[MnistDigits.PixelsPerImage];
        digits.CopyImage(i, pixels);
        yield return new ModelInput { Label = (uint)digits.Label(i), Features = pixels };
    }
}
