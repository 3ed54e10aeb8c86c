// The first consumer app of consume.sh: a new console app that references MlNetConv.Estimators from the folder feed,
// trains LeNet-5 on 3,000 real MNIST digits through an ML.NET pipeline, saves the model with ml.Model.Save and writes
// its predictions on 500 held-out digits for the second app to compare with.
// Usage: Train DIGITS_FILE MODEL_ZIP PREDICTIONS_FILE
using System.Globalization;
using Consumer;
using Microsoft.ML;
using MlNetConv.Data;
using MlNetConv.Estimators;
using MlNetConv.Optimizers;
using MlNetConv.Zoo;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: Train DIGITS_FILE MODEL_ZIP PREDICTIONS_FILE");
    return 2;
}
var digits = MnistDigits.Load(args[0]);
var ml = new MLContext(seed: 1);
IDataView train = ml.Data.LoadFromEnumerable(Digit.Read(digits, 0, Split.TrainCount));
IDataView test = ml.Data.LoadFromEnumerable(Digit.Read(digits, Split.TestStart, Split.TestCount));

var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.MulticlassClassification.Trainers.ConvNet(ml, new ConvNetClassificationOptions
    {
        Architecture = Architectures.LeNet5(),
        Epochs = 4, BatchSize = 32, Seed = 1,
        Optimizer = new SgdOptions(LearningRate: 0.05f, Momentum: 0.9f),
    }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
var model = pipeline.Fit(train);
var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
Console.WriteLine($"trained LeNet-5 on {Split.TrainCount} digits: accuracy {metrics.MicroAccuracy:F4} on {Split.TestCount} held-out digits");
ml.Model.Save(model, train.Schema, args[1]);
Console.WriteLine($"saved {args[1]} ({new FileInfo(args[1]).Length} bytes)");

using (var writer = new StreamWriter(args[2]))
{
    foreach (var p in ml.Data.CreateEnumerable<DigitPrediction>(model.Transform(test), reuseRowObject: false))
        writer.WriteLine(string.Join(' ', p.Score.Select(s => s.ToString("R", CultureInfo.InvariantCulture)).Prepend(p.PredictedLabel.ToString(CultureInfo.InvariantCulture))));
}

// The README snippets, compiled here as the README shows them (only wrapped in a method): the Core one also runs.
CoreReadmeSnippet.Run();

if (metrics.MicroAccuracy < Split.MinAccuracy)
{
    Console.Error.WriteLine($"FAIL: accuracy {metrics.MicroAccuracy:F4} is below {Split.MinAccuracy}");
    return 1;
}
return 0;
