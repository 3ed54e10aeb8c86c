using System.Text.Json.Nodes;
using MlNetConv.Geometry;

namespace MlNetConv;

/// <summary>Small helpers that write and read layer configurations as JSON.</summary>
internal static class Json
{
    public static JsonArray Ints(IEnumerable<int> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    public static string Text(int[] values) => values.Distinct().Count() == 1 ? values[0].ToString() : "(" + string.Join(", ", values) + ")";

    /// <summary>{"mode", "values"} and, for begin and end apart, "end".</summary>
    public static JsonObject Padding(Padding padding)
    {
        var json = new JsonObject { ["mode"] = padding.Mode.ToString(), ["values"] = Ints(padding.Values) };
        if (padding.End is not null) json["end"] = Ints(padding.End);
        return json;
    }

    public static JsonObject Table(ConnectionTable table) => new()
    {
        ["inputChannels"] = table.InputChannels,
        ["rows"] = new JsonArray(Enumerable.Range(0, table.OutputChannels).Select(o => (JsonNode?)Ints(table.InputsOf(o))).ToArray()),
    };

    public static int Int(JsonObject c, string key) => Required(c, key).GetValue<int>();
    public static float Float(JsonObject c, string key) => Required(c, key).GetValue<float>();
    public static bool Bool(JsonObject c, string key) => Required(c, key).GetValue<bool>();
    public static string String(JsonObject c, string key) => Required(c, key).GetValue<string>();
    public static int[] IntArray(JsonObject c, string key) => Required(c, key).AsArray().Select(v => v!.GetValue<int>()).ToArray();
    public static int? OptionalInt(JsonObject c, string key) => c[key] is JsonValue v ? v.GetValue<int>() : null;
    public static int[]? OptionalIntArray(JsonObject c, string key) => c[key] is JsonArray a ? a.Select(v => v!.GetValue<int>()).ToArray() : null;
    public static double[]? OptionalDoubleArray(JsonObject c, string key) => c[key] is JsonArray a ? a.Select(v => v!.GetValue<double>()).ToArray() : null;
    public static JsonArray Array(JsonObject c, string key) => Required(c, key).AsArray();
    public static JsonObject Object(JsonObject c, string key) => Required(c, key).AsObject();

    /// <summary>
    /// A padding as <see cref="Padding(Geometry.Padding)"/> writes it, or as models saved before begin and end padding wrote
    /// pooling, transposed and locally connected layers: one int, or one per dimension, the same before and after.
    /// </summary>
    public static Padding ReadPadding(JsonObject c, string key)
    {
        switch (Required(c, key))
        {
            case JsonObject p:
                var mode = Enum.Parse<PaddingMode>(String(p, "mode"));
                var values = IntArray(p, "values");
                return OptionalIntArray(p, "end") is { } end ? Geometry.Padding.Explicit(values, end) : new Padding(mode, values);
            case JsonArray a:
                var symmetric = a.Select(v => v!.GetValue<int>()).ToArray();
                return symmetric.Length > 0 && symmetric.All(v => v == symmetric[0]) ? Geometry.Padding.Explicit(symmetric[0]) : Geometry.Padding.Explicit(symmetric);
            case var single:
                return Geometry.Padding.Explicit(single.GetValue<int>());
        }
    }

    /// <summary>Per-dimension values, or one int as models saved before per-axis geometry wrote locally connected layers.</summary>
    public static int[] Sizes(JsonObject c, string key) => Required(c, key) is JsonArray a ? a.Select(v => v!.GetValue<int>()).ToArray() : [Int(c, key)];

    /// <summary>Per-dimension values where given (layers saved before a setting existed lack it), else null.</summary>
    public static Size? OptionalSizes(JsonObject c, string key) => c[key] is null ? (Size?)null : new Size(Sizes(c, key));

    public static ConnectionTable? ReadTable(JsonObject c, string key) =>
        c[key] is JsonObject t
            ? new ConnectionTable(Int(t, "inputChannels"), Array(t, "rows").Select(r => r!.AsArray().Select(v => v!.GetValue<int>()).ToArray()).ToArray())
            : null;

    private static JsonNode Required(JsonObject c, string key) =>
        c[key] ?? throw new InvalidDataException($"Layer configuration is missing '{key}'.");
}
