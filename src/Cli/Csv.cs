using System.Globalization;

namespace MlNetConv.Cli;

/// <summary>RFC 4180 lines: a field with a comma, quote or line break is quoted, its quotes doubled.</summary>
internal static class Csv
{
    public static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;

    public static string Line(IEnumerable<string> fields) => string.Join(",", fields.Select(Field));

    /// <summary>The shortest text that reads back as the same float.</summary>
    public static string Number(float value) => value.ToString(CultureInfo.InvariantCulture);
}
