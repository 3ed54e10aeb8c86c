// The second consumer app of consume.sh: another new console app that references MlNetConv.Estimators from the folder
// feed, makes no registration call, loads the first app's zip with ml.Model.Load and predicts the same held-out digits
// one by one through a PredictionEngine. Its predictions must be the first app's and as accurate.
// Usage: Predict DIGITS_FILE MODEL_ZIP PREDICTIONS_FILE
using System.Globalization;
using Consumer;
using Microsoft.ML;
using MlNetConv.Data;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: Predict DIGITS_FILE MODEL_ZIP PREDICTIONS_FILE");
    return 2;
}
var rows = Digit.Read(MnistDigits.Load(args[0]), Split.TestStart, Split.TestCount);
var expected = File.ReadAllLines(args[2])
    .Select(line => line.Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
if (expected.Count != rows.Count)
{
    Console.Error.WriteLine($"FAIL: {args[2]} has {expected.Count} predictions, expected {rows.Count}");
    return 1;
}

var ml = new MLContext();
var model = ml.Model.Load(args[1], out var inputSchema);
var engine = ml.Model.CreatePredictionEngine<Digit, DigitPrediction>(model, inputSchema);
int correct = 0, mismatches = 0;
float largestDifference = 0;
for (int i = 0; i < rows.Count; i++)
{
    var p = engine.Predict(rows[i]);
    if (p.PredictedLabel == rows[i].Label)
        correct++;
    if (p.PredictedLabel != (uint)expected[i][0] || p.Score.Length != expected[i].Length - 1)
    {
        if (mismatches++ < 5)
            Console.Error.WriteLine($"digit {Split.TestStart + i}: predicted {p.PredictedLabel} ({p.Score.Length} scores), the training app {expected[i][0]} ({expected[i].Length - 1} scores)");
        continue;
    }
    for (int c = 0; c < p.Score.Length; c++)
        largestDifference = Math.Max(largestDifference, Math.Abs(p.Score[c] - expected[i][c + 1]));
}
double accuracy = (double)correct / rows.Count;
Console.WriteLine($"loaded {args[1]}: accuracy {accuracy:F4} on {rows.Count} held-out digits, "
    + $"{mismatches} predictions unlike the training app's, largest score difference {largestDifference:G3}");
if (mismatches > 0 || largestDifference > 1e-4f || accuracy < Split.MinAccuracy)
{
    Console.Error.WriteLine($"FAIL: the loaded model must predict what the trained one did (scores within 1e-4) with accuracy at least {Split.MinAccuracy}");
    return 1;
}
return 0;
