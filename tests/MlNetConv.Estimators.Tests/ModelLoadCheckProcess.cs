using System.Diagnostics;
using System.Globalization;

namespace MlNetConv.Estimators.Tests;

/// <summary>
/// The tests/MlNetConv.ModelLoadCheck program as a child process: a saved model zip loaded with nothing but
/// ml.Model.Load in a new process (no registration call) and scored on rows of feature values.
/// </summary>
internal static class ModelLoadCheckProcess
{
    /// <summary>
    /// Scores <paramref name="rows"/> (written to features.bin in <paramref name="folder"/>) with the model in
    /// <paramref name="zip"/>; per row, the predicted label (a key's index, a class map as comma-separated classes, or "-"
    /// for a featurizer) and the scores as the new process printed them. A failed run fails the test with its error output.
    /// </summary>
    public static async Task<List<(string Predicted, float[] Scores)>> Score(string zip, IReadOnlyList<float[]> rows, string folder)
    {
        string features = Path.Combine(folder, "features.bin");
        using (var writer = new BinaryWriter(File.Create(features)))
        {
            writer.Write(rows.Count);
            writer.Write(rows[0].Length);
            foreach (var value in rows.SelectMany(r => r)) writer.Write(value);
        }
        string checker = Path.Combine(AppContext.BaseDirectory.Replace("MlNetConv.Estimators.Tests", "MlNetConv.ModelLoadCheck"), "MlNetConv.ModelLoadCheck.dll");
        Assert.True(File.Exists(checker), $"{checker} was not built");
        using var process = Process.Start(new ProcessStartInfo("dotnet", ["exec", checker, zip, features])
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var errors = process.StandardError.ReadToEndAsync();
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await errors);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            var parts = line.Split(' ');
            return (parts[0], parts.Skip(1).Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray());
        })];
    }
}
