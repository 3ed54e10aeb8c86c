using MlNetConv.Persistence;
using MlNetConv.Plots;
using MlNetConv.Tensors;
using SkiaSharp;

namespace MlNetConv.Samples.LectureFigures;

/// <summary>The experiments' figures, drawn with MlNetConv.Plots; each method writes one PNG and returns its path.</summary>
internal static class LectureCharts
{
    public static string ReluVersusTanh(string folder, ConvergenceRun relu, ConvergenceRun tanh)
    {
        LineSeries Curve(ConvergenceRun run) => new($"{run.Activation}, learning rate {run.LearningRate}",
            run.Curve.Points.Select(p => p.Epoch).ToArray(), run.Curve.Points.Select(p => 100 * p.Error).ToArray());
        double end = Math.Max(relu.Curve.Points[^1].Epoch, tanh.Curve.Points[^1].Epoch);
        var target = new LineSeries("25 % training error", [0, end], [100 * LectureFigures.ReluVersusTanh.TargetError, 100 * LectureFigures.ReluVersusTanh.TargetError])
        {
            Colour = Palette.Faint,
        };
        var chart = new LineChart("Four-layer CNN on Fashion-MNIST: ReLU against tanh (AlexNet's Figure 1)", "epochs",
            new LinePanel("training error (%)", [Curve(relu), Curve(tanh), target]));
        return Save(chart, folder, "relu-vs-tanh.png");
    }

    /// <summary>One chart per distortion, accuracy against strength for both poolings, side by side in one picture.</summary>
    public static string Robustness(string folder, IReadOnlyList<RobustnessRow> rows)
    {
        var charts = rows.GroupBy(r => r.Distortion).Select(g =>
        {
            double[] x = g.Select(r => (double)r.Strength).ToArray();
            return new LineChart($"LeNet-5 under {g.Key.Name}", g.Key.Strength, new LinePanel("test accuracy (%)",
            [
                new LineSeries("max pooling", x, g.Select(r => 100 * r.MaxPoolAccuracy).ToArray()),
                new LineSeries("average pooling", x, g.Select(r => 100 * r.AveragePoolAccuracy).ToArray()),
                // Guessing among ten digits; it also puts every chart's y axis on about the same scale.
                new LineSeries("chance (10 %)", [x[0], x[^1]], [10, 10]) { Colour = Palette.Faint },
            ]))
            { PlotWidth = 420, PlotHeight = 240, IntegerX = false };
        }).ToArray();
        string path = Path.Combine(folder, "lenet5-robustness.png");
        SaveSideBySide(charts, 3, path);
        return path;
    }

    /// <summary>Test digits under every distortion at every strength (noisy pixels shown clipped to [0, 1]).</summary>
    /// <param name="digits">count × (1, 28, 28)</param>
    /// <param name="index">the digit shown, drawn with the seed the test gave it</param>
    public static string DistortionExamples(string folder, float[] digits, int index)
    {
        int size = Distortion.Digit.Size;
        var source = digits.AsSpan(index * size, size).ToArray();
        var layers = new List<ActivationLayer>();
        foreach (var distortion in Distortion.All)
        {
            int count = distortion.Strengths.Length;
            var values = new float[count * size];
            for (int s = 0; s < count; s++)
                distortion.Apply(source, values.AsSpan(s * size, size), distortion.Strengths[s], RandomStream.Combine(LeNetRobustness.DistortionSeed, (ulong)index));
            for (int i = 0; i < values.Length; i++) values[i] = Math.Clamp(values[i], 0f, 1f);
            layers.Add(new ActivationLayer($"{distortion.Name}, {distortion.Strength}: {string.Join(", ", distortion.Strengths)}", values, new Shape(count, 28, 28)));
        }
        var figure = new ActivationMaps(null, layers, "Held-out test digits under each distortion, strengths left to right")
        {
            Colours = ColorMap.Grey, Columns = Distortion.All.Max(d => d.Strengths.Length), TileSize = 84,
        };
        return Save(figure, folder, "lenet5-distortions.png");
    }

    /// <param name="weights">(out, in, kh, kw)</param>
    public static string Filters(string folder, float[] weights, Shape shape) =>
        Save(new FilterGrid(weights, shape, "LeNet-5 conv1: the six learned 5x5 filters") { TileSize = 100 }, folder, "lenet5-conv1-filters.png");

    /// <param name="digit">(1, 28, 28) in [0, 1]</param>
    public static string Activations(string folder, ReadOnlySpan<float> digit, int label, IReadOnlyList<ActivationLayer> layers) =>
        Save(new ActivationMaps(GridImage.FromPlanar(digit, 1, 28, 28), layers,
            $"LeNet-5's layers for a held-out test digit (a {label})"), folder, "lenet5-activations.png");

    /// <param name="digit">(1, 28, 28) in [0, 1]</param>
    public static string TopClasses(string folder, ReadOnlySpan<float> digit, float[] probabilities) =>
        Save(new TopClassesBars(Enumerable.Range(0, 10).Select(d => d.ToString()).ToArray(), probabilities, 5, "LeNet-5's five most probable digits",
            GridImage.FromPlanar(digit, 1, 28, 28)), folder, "lenet5-top-classes.png");

    private static string Save(Figure figure, string folder, string name)
    {
        string path = Path.Combine(folder, name);
        figure.Save(path);
        return path;
    }

    /// <summary>Figures rendered and laid out left to right, <paramref name="columns"/> a row, on white.</summary>
    private static void SaveSideBySide(IReadOnlyList<Figure> figures, int columns, string path)
    {
        var bitmaps = figures.Select(f => f.Render()).ToArray();
        try
        {
            int cellWidth = bitmaps.Max(b => b.Width), cellHeight = bitmaps.Max(b => b.Height), rows = (bitmaps.Length + columns - 1) / columns;
            using var sheet = new SKBitmap(cellWidth * Math.Min(columns, bitmaps.Length), cellHeight * rows, SKColorType.Rgba8888, SKAlphaType.Opaque);
            using (var canvas = new SKCanvas(sheet))
            {
                canvas.Clear(SKColors.White);
                for (int i = 0; i < bitmaps.Length; i++) canvas.DrawBitmap(bitmaps[i], i % columns * cellWidth, i / columns * cellHeight);
            }
            using var png = sheet.Encode(SKEncodedImageFormat.Png, 100);
            using var file = AtomicFile.Create(path);
            file.Stream.Write(png.AsSpan());
            file.Commit();
        }
        finally
        {
            foreach (var b in bitmaps) b.Dispose();
        }
    }
}
