using System.Text.Json;

namespace MlNetConv.Cli;

/// <summary>One training run as <c>train</c> records it.</summary>
/// <param name="Input">the sample shape CxHxW</param>
/// <param name="AccuracyOn">what the accuracy was measured on: test (--test), validation (--validation-fraction) or training</param>
internal sealed record TrainingRecord(
    string Architecture, string Input, int Classes, long Parameters, long MultiplyAccumulates, double Accuracy, string AccuracyOn,
    int Epochs, double WallSeconds, int TrainingRows, string Data, string Model, DateTimeOffset Date);

/// <summary>
/// The results file: JSON Lines, one <see cref="TrainingRecord"/> per training run, appended by <c>train</c> and read by
/// <c>compare</c> (the latest run of each architecture gives its accuracy).
/// </summary>
internal static class ResultsFile
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void Append(string path, TrainingRecord record)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        File.AppendAllText(path, JsonSerializer.Serialize(record, Json) + "\n");
    }

    /// <exception cref="CliException">a missing file or a line that is not a training record (naming the file and line)</exception>
    public static List<TrainingRecord> Read(string path)
    {
        if (!File.Exists(path)) throw new CliException($"results file '{path}' does not exist.");
        var records = new List<TrainingRecord>();
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                records.Add(JsonSerializer.Deserialize<TrainingRecord>(line, Json) ?? throw new JsonException("null"));
            }
            catch (JsonException e)
            {
                throw new CliException($"results file '{path}', line {number}: not a training record ({e.Message}).", ExitCodes.BadInput, e);
            }
        }
        return records;
    }
}
