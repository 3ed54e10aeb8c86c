// Fukushima's neocognitron learned without backpropagation on the bundled MNIST digits (the first 8,000 for learning,
// the held-out last 2,000 for testing): U_G, three S/C stages grown by add-if-silent and winner-take-all learning,
// then three readouts of the top C-layer. Draws the learned features and a digit's response through the stages, and
// prints the lecture's table: the neocognitron and LeNet-5 on test digits shifted by 0 to 6 pixels and with noise.
// Usage: dotnet run -c Release --project samples/Neocognitron [figure folder]   (default docs/figures/neocognitron)
using System.Diagnostics;
using MlNetConv.Data;
using MlNetConv.Graphs;
using MlNetConv.Neocognitron;
using MlNetConv.Optimizers;
using MlNetConv.Persistence;
using MlNetConv.Plots;
using MlNetConv.Preprocessing;
using MlNetConv.Summary;
using MlNetConv.Tensors;
using MlNetConv.Training;
using MlNetConv.Zoo;
using NeocognitronModel = MlNetConv.Neocognitron.Neocognitron;

const int Classes = 10, Side = MnistDigits.Rows, Pixels = MnistDigits.PixelsPerImage;
var clock = Stopwatch.StartNew();
string figures = args.Length > 0 ? args[0] : FigureFolder();
Directory.CreateDirectory(figures);
var digits = MnistDigits.Load(MnistDigits.FindDefault());
var sampleShape = new Shape(1, Side, Side);
var (trainImages, trainLabels) = Images(digits.Slice(0, 8000));
var (testImages, testLabels) = Images(digits.Slice(8000, digits.Count - 8000));

// 1. The neocognitron, stage by stage from the bottom, without labels.
var options = new NeocognitronOptions();
using var neocognitron = NeocognitronModel.Learn(trainImages, sampleShape, options, log: Console.WriteLine);
Console.WriteLine(ModelSummary.Of(neocognitron));
Console.WriteLine($"unsupervised learning: {clock.Elapsed.TotalSeconds:F1} s");

// 2. Three readouts of the top C-layer.
var trainFeatures = neocognitron.Predict(trainImages);
var testFeatures = neocognitron.Predict(testImages);
int dimension = trainFeatures.Length / trainLabels.Length;
var prototypes = NearestPrototypeClassifier.Fit(trainFeatures, dimension, trainLabels, Classes);
double prototypeAccuracy = Accuracy(testLabels, i => prototypes.Predict(testFeatures.AsSpan(i * dimension, dimension)));
Console.WriteLine($"readout, nearest class prototype: test accuracy {prototypeAccuracy:F4}");
var intVec = InterpolatingVectorClassifier.Fit(trainFeatures, dimension, trainLabels, Classes);
double intVecAccuracy = Accuracy(testLabels, i => intVec.Predict(testFeatures.AsSpan(i * dimension, dimension)));
Console.WriteLine($"readout, interpolating vectors ({intVec.ReferenceCount} references): test accuracy {intVecAccuracy:F4}");
using var model = LinearReadout.Train(neocognitron, trainImages, trainLabels, Classes);
double linearAccuracy = NetworkAccuracy(model, testImages, testLabels);
Console.WriteLine($"readout, linear layer on the frozen features: test accuracy {linearAccuracy:F4}");
Console.WriteLine($"training (learning and readouts): {clock.Elapsed.TotalSeconds:F1} s");

// 3. The model with its linear readout saves and loads like any other.
string modelPath = Path.Combine(Path.GetTempPath(), "neocognitron.mlnc");
ModelFile.Save(modelPath, model);
var (loaded, _) = ModelFile.Load(modelPath);
using (loaded)
    Console.WriteLine($"saved {new FileInfo(modelPath).Length:N0} bytes, loaded: {(loaded.Predict(testImages).SequenceEqual(model.Predict(testImages)) ? "same" : "DIFFERENT")} scores");

// 4. Figures: the learned S-cell features of each stage, and a test digit's response through the stages.
DrawFeatures(neocognitron, trainImages, figures);
var digit = testImages.AsSpan(0, Pixels).ToArray();
string[] stages = ["ug", .. Enumerable.Range(1, options.Stages.Count).SelectMany(l => new[] { $"us{l}", $"uc{l}" })];
new ActivationMaps(GridImage.FromPlanar(digit, 1, Side, Side), stages.Select(s => ActivationLayer.Of(neocognitron, digit, s)).ToArray(),
    $"a test digit ({testLabels[0]}) through the neocognitron") { Columns = 16, TileSize = 48 }.Save(Path.Combine(figures, "response.png"));

// 5. LeNet-5 trained by backpropagation on the same digits (the EngineLeNet recipe, 12 epochs), once as they are and once
// with random shifts of up to 2 pixels, and the shift/noise table.
var (lenet, lenetTrainer) = LeNet5(null);
var (lenetShifted, lenetShiftedTrainer) = LeNet5(new ImageAugmentation { CropPadding = 2 });
Console.WriteLine($"LeNet-5 trained twice: {clock.Elapsed.TotalSeconds:F1} s");
Console.WriteLine();
Console.WriteLine("| test digits | neocognitron, linear readout | neocognitron, interpolating vectors | LeNet-5 | LeNet-5 trained with ±2 px shifts |");
Console.WriteLine("| --- | --- | --- | --- | --- |");
for (int shift = 0; shift <= 6; shift++)
    Row($"shifted {shift} px right and down", Shifted(testImages, shift));
foreach (float sigma in new[] { 0.1f, 0.2f, 0.3f, 0.4f })
    Row($"Gaussian noise, σ = {sigma}", Noisy(testImages, sigma, 7));
lenet.Dispose();
lenetShifted.Dispose();
Console.WriteLine();
Console.WriteLine($"wall time: {clock.Elapsed.TotalSeconds:F1} s");
Console.WriteLine($"test accuracy: {linearAccuracy:F4}");

void Row(string name, float[] images)
{
    var features = neocognitron.Predict(images);
    double intVecRow = Accuracy(testLabels, i => intVec.Predict(features.AsSpan(i * dimension, dimension)));
    var test = new InMemoryDataset(images, testLabels, sampleShape);
    Console.WriteLine($"| {name} | {NetworkAccuracy(model, images, testLabels):F4} | {intVecRow:F4} | {lenetTrainer.Evaluate(test).Accuracy:F4} | {lenetShiftedTrainer.Evaluate(test).Accuracy:F4} |");
}

(Network, Trainer) LeNet5(IBatchAugmentation? augmentation)
{
    var network = new Network(Architectures.LeNet5(), sampleShape, seed: 1);
    var trainer = new Trainer(network, new TrainerOptions
    {
        Epochs = 12, BatchSize = 32, Seed = 1,
        Optimizer = new SgdOptions(LearningRate: 0.05f, Momentum: 0.9f, WeightDecay: 5e-4f),
        Schedule = LearningRateSchedules.Cosine(12),
        Normalization = ChannelNormalization.Mnist,
        Augmentation = augmentation,
    });
    trainer.Fit(new InMemoryDataset(trainImages, trainLabels, sampleShape));
    return (network, trainer);
}

static double Accuracy(int[] labels, Func<int, int> predict) =>
    Enumerable.Range(0, labels.Length).Count(i => predict(i) == labels[i]) / (double)labels.Length;

static double NetworkAccuracy(Network network, float[] images, int[] labels)
{
    var scores = network.Predict(images);
    int classes = scores.Length / labels.Length;
    return Accuracy(labels, i =>
    {
        var row = scores.AsSpan(i * classes, classes);
        return row.IndexOf(MaxOf(row));
    });
}

static float MaxOf(ReadOnlySpan<float> values)
{
    float max = float.NegativeInfinity;
    foreach (float v in values) max = Math.Max(max, v);
    return max;
}

// Each digit moved by (shift, shift) pixels, zeros shifted in.
static float[] Shifted(float[] images, int shift)
{
    var result = new float[images.Length];
    for (int start = 0; start < images.Length; start += Pixels)
        for (int y = shift; y < Side; y++)
            images.AsSpan(start + (y - shift) * Side, Side - shift).CopyTo(result.AsSpan(start + y * Side + shift));
    return result;
}

// Every pixel plus N(0, σ²), clipped to [0, 1]; the same draws on every run.
static float[] Noisy(float[] images, float sigma, ulong seed)
{
    var random = new RandomStream(seed, $"noise {sigma}");
    return images.Select(p => Math.Clamp(p + sigma * (float)random.NextGaussian(), 0f, 1f)).ToArray();
}

// For each S-plane, the mean of the input patches (its receptive field) at the cell that answers most strongly, over
// the images where it answers most: what the plane has learned to detect, drawn in pixels.
static void DrawFeatures(Network network, float[] images, string folder)
{
    const int Probe = 2000, Best = 20;
    var summary = ModelSummary.Of(network);
    var probe = images.AsSpan(0, Probe * Pixels).ToArray();
    int stride = 1;
    foreach (var row in summary.Rows.Where(r => r.Layer.StartsWith("SLayer")))
    {
        string path = row.Name;
        int field = row.ReceptiveField.W, planes = row.OutputShape.C, side = row.OutputShape[3];
        stride = Side / side;
        var responses = PredictAt(network, probe, path);
        var patches = new float[planes * field * field];
        for (int k = 0; k < planes; k++)
        {
            // The strongest cell of plane k in each image, then the Best images with the strongest.
            var strongest = Enumerable.Range(0, Probe).Select(i =>
            {
                var plane = responses.AsSpan((i * planes + k) * side * side, side * side);
                float max = MaxOf(plane);
                return (Image: i, Cell: plane.IndexOf(max), Response: max);
            }).Where(s => s.Response > 0).OrderByDescending(s => s.Response).ThenBy(s => s.Image).Take(Best).ToArray();
            foreach (var (image, cell, _) in strongest)
            {
                int cy = cell / side * stride, cx = cell % side * stride;
                for (int y = 0; y < field; y++)
                    for (int x = 0; x < field; x++)
                    {
                        int iy = cy - field / 2 + y, ix = cx - field / 2 + x;
                        if (iy >= 0 && iy < Side && ix >= 0 && ix < Side)
                            patches[(k * field + y) * field + x] += images[image * Pixels + iy * Side + ix] / strongest.Length;
                    }
            }
        }
        new FilterGrid(patches, new Shape(planes, 1, field, field), $"{path}: mean input at each plane's strongest cells ({planes} planes, {field}x{field} px)")
            { Grey = true, TileSize = field * 3, Columns = 16 }.Save(Path.Combine(folder, $"features-{path}.png"));
    }
}

// The output of one node for every image: the network cut there, with its weights.
static float[] PredictAt(Network network, float[] images, string path)
{
    using var cut = new Network(GraphSurgery.CutAt(network.Root, path), network.SampleShape, network.Backend);
    cut.CopyMatchingParameters(network);
    return cut.Predict(images);
}

static string FigureFolder()
{
    for (var directory = new DirectoryInfo(Directory.GetCurrentDirectory()); directory is not null; directory = directory.Parent)
        if (File.Exists(Path.Combine(directory.FullName, "MlNetConv.sln")))
            return Path.Combine(directory.FullName, "docs", "figures", "neocognitron");
    return "neocognitron-figures";
}

static (float[] Images, int[] Labels) Images(MnistDigits d)
{
    var images = new float[d.Count * Pixels];
    var labels = new int[d.Count];
    for (int i = 0; i < d.Count; i++)
    {
        d.CopyImage(i, images.AsSpan(i * Pixels, Pixels));
        labels[i] = d.Label(i);
    }
    return (images, labels);
}
