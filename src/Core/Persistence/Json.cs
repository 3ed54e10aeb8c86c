using System.Text.Json.Nodes;
using MlNetConv.Geometry;

namespace MlNetConv;

/// <summary>Small helpers that write and read layer configurations as JSON.</summary>
internal static class Json
{
    public static JsonArray Ints(IEnumerable<int> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    public static string Text(int[] values) => values.Distinct().Count() == 1 ? values[0].ToString() : "(" + string.Join(", ", values) + ")";

    public static JsonObject Padding(Padding padding) => new() { ["mode"] = padding.Mode.ToString(), ["values"] = Ints(padding.Values) };

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
    public static int[]? OptionalIntArray(JsonObject c, string key) => c[key] is JsonArray a ? a.Select(v => v!.GetValue<int>()).ToArray() : null;
    public static double[]? OptionalDoubleArray(JsonObject c, string key) => c[key] is JsonArray a ? a.Select(v => v!.GetValue<double>()).ToArray() : null;
    public static JsonArray Array(JsonObject c, string key) => Required(c, key).AsArray();
    public static JsonObject Object(JsonObject c, string key) => Required(c, key).AsObject();

    public static Padding ReadPadding(JsonObject c, string key)
    {
        var p = Object(c, key);
        var mode = Enum.Parse<PaddingMode>(String(p, "mode"));
        return new Padding(mode, IntArray(p, "values"));
    }

    public static ConnectionTable? ReadTable(JsonObject c, string key) =>
        c[key] is JsonObject t
            ? new ConnectionTable(Int(t, "inputChannels"), Array(t, "rows").Select(r => r!.AsArray().Select(v => v!.GetValue<int>()).ToArray()).ToArray())
            : null;

    private static JsonNode Required(JsonObject c, string key) =>
        c[key] ?? throw new InvalidDataException($"Layer configuration is missing '{key}'.");
}
