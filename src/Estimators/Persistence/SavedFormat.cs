namespace MlNetConv.Estimators.Persistence;

/// <summary>
/// Names that a saved model zip depends on: the mapping contracts ML.NET records and the temporary columns of the
/// saved chain. They are part of the file format; change them only together with <see cref="Version"/>.
/// </summary>
internal static class SavedFormat
{
    /// <summary>The format written: the first value of the model column, which a reader checks.</summary>
    public const string Version = "MlNetConv.ConvNet.v2";

    /// <summary>The first format: the whole model in one lookup. Still read.</summary>
    public const string Version1 = "MlNetConv.ConvNet.v1";

    public const string KeyContract = "MlNetConv.ModelKey.v1", ScoringContract = "MlNetConv.ConvNetScoring.v1";

    /// <summary>The key under which every lookup of a saved chain stores its value (the one v1 wrote, so v1 zips still load).</summary>
    public const string LookupKey = Version1;

    public const string Key = "__mlnetconv_key", Model = "__mlnetconv_model", Slots = "__mlnetconv_slots", Positions = "__mlnetconv_positions",
        Features = "__mlnetconv_features", ScoreText = "__mlnetconv_score_text", Index = "__mlnetconv_index", ArgMaxText = "__mlnetconv_argmax_text",
        ArgMax = "__mlnetconv_argmax", Value = "__mlnetconv_value";

    /// <summary>The temporary columns of every saved chain (a classifier's adds Value, a segmenter's ArgMax; each adds its <see cref="Part"/> columns).</summary>
    public static readonly string[] TemporaryColumns = [Key, Model, Slots, Positions, Features, ScoreText, Index, ArgMaxText];

    /// <summary>The column of lookup <paramref name="part"/>: 0 holds the header and settings, 1.. a piece of the model file each.</summary>
    public static string Part(int part) => $"__mlnetconv_model_{part}";

    /// <summary>
    /// Model-file bytes per lookup (one text value each). ML.NET holds a lookup whole while it reads or writes it,
    /// several times over, so small lookups keep saving and loading large models within a small multiple of their size.
    /// 1.875 MiB: whole groups of <see cref="Text15.GroupBytes"/>, so only the last part's text is padded.
    /// </summary>
    public const int PartBytes = 15 << 17;

    /// <summary>Characters per score in the score text: a round-trip float ("R") is at most 15.</summary>
    public const int ScoreWidth = 16;

    /// <summary>Characters per class index in the per-position arg-max text (zero-padded, "D6").</summary>
    public const int ArgMaxWidth = 6;
}
