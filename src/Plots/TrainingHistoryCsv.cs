using System.Globalization;
using System.Text;
using MlNetConv.Persistence;
using MlNetConv.Training;

namespace MlNetConv.Plots;

/// <summary>
/// The per-epoch history of a training run as CSV, one row per <see cref="EpochRecord"/>:
/// <c>epoch,loss,accuracy,validation_loss,validation_accuracy,learning_rate,seconds</c> (the validation columns empty
/// without a validation split; seconds: the epoch's wall time). What <c>mlnetconv train --history</c> writes and
/// <see cref="TrainingCurves"/> reads.
/// </summary>
public static class TrainingHistoryCsv
{
    public static readonly string[] Columns = ["epoch", "loss", "accuracy", "validation_loss", "validation_accuracy", "learning_rate", "seconds"];

    /// <summary>The most rows read: a history file longer than this is refused rather than read into memory.</summary>
    public const int MaxRows = 1_000_000;

    /// <summary>Writes <paramref name="history"/> to a temporary file renamed to <paramref name="path"/>.</summary>
    public static void Write(string path, IEnumerable<EpochRecord> history)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(history);
        var text = new StringBuilder(string.Join(",", Columns)).Append('\n');
        var inv = CultureInfo.InvariantCulture;
        foreach (var e in history)
            text.Append(inv, $"{e.Epoch},{e.Loss.ToString("R", inv)},{e.Accuracy.ToString("R", inv)},{e.ValidationLoss?.ToString("R", inv)},")
                .Append(inv, $"{e.ValidationAccuracy?.ToString("R", inv)},{e.LearningRate.ToString("R", inv)},{e.Elapsed.TotalSeconds.ToString("R", inv)}\n");
        using var file = AtomicFile.Create(path);
        file.Stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
        file.Commit();
    }

    /// <exception cref="FileNotFoundException">there is no such file</exception>
    /// <exception cref="InvalidDataException">the header is not <see cref="Columns"/>, or a row is not numbers (naming the file, line and column)</exception>
    public static IReadOnlyList<EpochRecord> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"History file '{path}' does not exist.", path);
        var records = new List<EpochRecord>();
        using var reader = new StreamReader(path);
        string? header = reader.ReadLine()?.Trim();
        if (header != string.Join(",", Columns))
            throw new InvalidDataException($"History file '{path}': the first line must be '{string.Join(",", Columns)}', got '{Cut(header)}'.");
        int line = 1;
        for (string? text; (text = reader.ReadLine()) is not null;)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            if (records.Count == MaxRows) throw new InvalidDataException($"History file '{path}' has more than {MaxRows} rows.");
            var fields = text.Split(',');
            if (fields.Length != Columns.Length)
                throw new InvalidDataException($"History file '{path}', line {line}: {fields.Length} fields, expected {Columns.Length} ({string.Join(",", Columns)}).");
            double? Number(int column, bool optional)
            {
                string field = fields[column].Trim();
                if (field.Length == 0 && optional) return null;
                if (double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)) return value;
                throw new InvalidDataException($"History file '{path}', line {line}, column {Columns[column]}: '{Cut(field)}' is not a finite number.");
            }
            double epoch = Number(0, false)!.Value;
            if (epoch != Math.Floor(epoch) || epoch is < 0 or > int.MaxValue)
                throw new InvalidDataException($"History file '{path}', line {line}, column epoch: {epoch} is not an epoch number.");
            records.Add(new EpochRecord((int)epoch, Number(1, false)!.Value, Number(2, false)!.Value, Number(3, true), Number(4, true), (float)Number(5, false)!.Value,
                TimeSpan.FromSeconds(Math.Clamp(Number(6, false)!.Value, 0, TimeSpan.MaxValue.TotalSeconds / 2))));
        }
        if (records.Count == 0) throw new InvalidDataException($"History file '{path}' has no epochs.");
        return records;
    }

    private static string Cut(string? text) => text is null ? "" : text.Length <= 80 ? text : text[..80] + "...";
}
