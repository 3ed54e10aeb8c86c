// Fashion-MNIST (Xiao et al. 2017: 60,000 training and 10,000 test 28x28 images of 10 kinds of clothing) through an
// ML.NET pipeline: a small two-convolution CNN baseline and a CIFAR-style ResNet, both with augmentation. Saves each
// model, writes its training curve (epoch, loss, accuracy, learning rate, seconds) as CSV, and prints
// `test accuracy: 0.NNNN` (of the last model trained) last.
//
// The data are the IDX files of the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist),
// read from /usr/share/datasets/fashion-mnist or the folder given by --data.
// Usage: dotnet run -c Release --project samples/FashionMnistResNet -- [--model cnn|resnet|both] [--cnn-epochs N]
//        [--resnet-epochs N] [--resnet-depth 20] [--train-limit N] [--device cpu|gpu|gpu:ID|auto] [--data DIR] [--output DIR]
// Measured: the small CNN, 15 epochs on 2 CPU cores (16 min): 0.9121. ResNet-20, 31 epochs on an NVIDIA H200
// (--model resnet --resnet-epochs 31 --device gpu, through bench/gpu/train.sh; 3.0 min at about 10,500 images/s):
// 0.9472. On 2 CPU cores ResNet-20 trains at about 200 images/s, some 2.5 hours for 30 epochs.
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using MlNetConv.Backends;
using MlNetConv.Data;
using MlNetConv.Estimators;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Optimizers;
using MlNetConv.Preprocessing;
using MlNetConv.Samples.FashionMnistResNet;
using MlNetConv.Training;
using MlNetConv.Zoo;

var options = Arguments.Parse(args);
string[] classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
var ml = new MLContext(seed: 1);
var train = ml.Data.LoadFromEnumerable(Read(options.Data, "train", options.TrainLimit));
var test = ml.Data.LoadFromEnumerable(Read(options.Data, "t10k", null));
Directory.CreateDirectory(options.Output);
Console.WriteLine($"Fashion-MNIST: {train.GetRowCount()} training and {test.GetRowCount()} test images from {options.Data}");

double accuracy = double.NaN;
if (options.Model is "cnn" or "both")
    accuracy = Run("cnn", SmallCnn(), options.CnnEpochs, new SgdOptions(0.05f, 0.9f, WeightDecay: 5e-4f, Nesterov: true));
if (options.Model is "resnet" or "both")
    accuracy = Run($"resnet{options.ResNetDepth}", Architectures.CifarResNet(options.ResNetDepth, 10), options.ResNetEpochs,
        new SgdOptions(0.1f, 0.9f, WeightDecay: 5e-4f, Nesterov: true));
Console.WriteLine($"test accuracy: {accuracy:F4}");

double Run(string name, ILayer architecture, int epochs, SgdOptions optimizer)
{
    var clock = Stopwatch.StartNew();
    var curve = new List<string> { "epoch,loss,accuracy,learning_rate,seconds" };
    var trainer = ml.MulticlassClassification.Trainers.ConvNet(ml, new ConvNetClassificationOptions
    {
        Architecture = architecture, Epochs = epochs, BatchSize = 128, Seed = 1, Optimizer = optimizer, Device = options.Device,
        Schedule = LearningRateSchedules.LinearWarmup(1, LearningRateSchedules.Cosine(epochs)),
        Normalization = new ChannelNormalization([0.2860f], [0.3530f]),
        // Shifts of up to 2 pixels and mirror images: the augmentation of the benchmark's best ResNet entries.
        Augmentation = new ImageAugmentation { CropPadding = 2, HorizontalFlip = true },
        Progress = new Progress<TrainingProgress>(p =>
        {
            if (!p.EpochCompleted) return;
            Console.WriteLine($"{name}: {p}");
            curve.Add(string.Create(CultureInfo.InvariantCulture, $"{p.Epoch},{p.Loss:R},{p.Accuracy:R},{p.LearningRate:R},{clock.Elapsed.TotalSeconds:F1}"));
        }),
    });
    var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(trainer).Fit(train);
    var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
    string zip = Path.Combine(options.Output, $"fashion-{name}.zip"), csv = Path.Combine(options.Output, $"fashion-{name}-curve.csv");
    ml.Model.Save(model, train.Schema, zip);
    File.WriteAllLines(csv, curve);
    var summary = MlNetConv.Summary.ModelSummary.Of(architecture, new MlNetConv.Tensors.Shape(1, 28, 28));
    Console.WriteLine($"{name}: {summary.TotalParameters} parameters, {epochs} epochs in {clock.Elapsed.TotalMinutes:F1} min, " +
        $"test accuracy {metrics.MicroAccuracy:F4}, macro {metrics.MacroAccuracy:F4}; saved {zip} and {csv}");
    Console.WriteLine(metrics.ConfusionMatrix.GetFormattedConfusionTable());
    return metrics.MicroAccuracy;
}

// Two 3x3 convolutions with BatchNorm and 2x2 max pooling, then dropout and a dense layer: about 50 k parameters
// (the benchmark's "2 Conv < 100K parameters" row, 92.5 %).
static ILayer SmallCnn() => new NetworkBuilder()
    .Conv2d(32, 3, padding: 1, name: "conv1").BatchNorm2d(name: "bn1").ReLU("relu1").MaxPool2d(2, name: "pool1")
    .Conv2d(64, 3, padding: 1, name: "conv2").BatchNorm2d(name: "bn2").ReLU("relu2").MaxPool2d(2, name: "pool2")
    .Flatten("flatten").Dropout(0.3f, name: "dropout").Dense(10, name: "fc")
    .Build("fashion_cnn");

static IEnumerable<ModelInput> Read(string folder, string prefix, int? limit)
{
    var images = IdxFile.ReadImages(Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz"));
    var labels = IdxFile.ReadLabels(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz"));
    if (images.Count != labels.Count) throw new InvalidDataException($"{images.Path} has {images.Count} images but {labels.Path} {labels.Count} labels.");
    int pixels = images.Dimensions[1] * images.Dimensions[2], count = Math.Min(images.Count, limit ?? int.MaxValue);
    var rows = new List<ModelInput>(count);
    var data = images.Data.Span;
    for (int i = 0; i < count; i++)
    {
        var features = new float[pixels];
        for (int j = 0; j < pixels; j++) features[j] = data[i * pixels + j] / 255f;
        rows.Add(new ModelInput { Label = labels.Data.Span[i], Features = features });
    }
    return rows;
}

internal sealed record Arguments(string Model, int CnnEpochs, int ResNetEpochs, int ResNetDepth, int? TrainLimit, Device Device, string Data, string Output)
{
    public static Arguments Parse(string[] args)
    {
        var a = new Arguments("both", 15, 30, 20, null, Device.Cpu, "/usr/share/datasets/fashion-mnist", Path.Combine(AppContext.BaseDirectory, "fashion-output"));
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            a = args[i] switch
            {
                "--model" => a with { Model = Next() is var m && m is "cnn" or "resnet" or "both" ? m : throw new ArgumentException($"--model {m}: cnn, resnet or both.") },
                "--cnn-epochs" => a with { CnnEpochs = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--resnet-epochs" => a with { ResNetEpochs = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--resnet-depth" => a with { ResNetDepth = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--train-limit" => a with { TrainLimit = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--device" => a with { Device = Device.Parse(Next()) },
                "--data" => a with { Data = Next() },
                "--output" => a with { Output = Next() },
                _ => throw new ArgumentException($"Unknown argument {args[i]}."),
            };
        }
        return a;
    }
}
