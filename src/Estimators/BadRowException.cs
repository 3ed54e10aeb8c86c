namespace MlNetConv.Estimators;

/// <summary>
/// A row that cannot be used: a missing or corrupt image, a wrong-size vector, a missing label or non-finite
/// values. The message names the data (training, validation or scoring), the row, the column and, for images,
/// the path. Training skips and counts such rows instead when <see cref="ConvNetOptions.SkipBadRows"/> is set.
/// </summary>
public sealed class BadRowException(string role, long row, string column, string? path, string problem, Exception? inner = null)
    : InvalidOperationException($"ConvNet: {role} row {row}, column '{column}'{(path is null ? "" : $", image '{path}'")}: {problem}", inner)
{
    public long Row { get; } = row;
    public string Column { get; } = column;
    public string? ImagePath { get; } = path;
}
