namespace MlNetConv.Estimators.Persistence;

/// <summary>
/// Names that a saved model zip depends on: the mapping contracts ML.NET records and the temporary columns of the
/// saved chain. They are part of the file format; change them only together with <see cref="Version"/>.
/// </summary>
internal static class SavedFormat
{
    /// <summary>The first value of the model column; a reader refuses any other.</summary>
    public const string Version = "MlNetConv.ConvNet.v1";

    public const string KeyContract = "MlNetConv.ModelKey.v1", ScoringContract = "MlNetConv.ConvNetScoring.v1";

    public const string Key = "__mlnetconv_key", Model = "__mlnetconv_model", Slots = "__mlnetconv_slots", Positions = "__mlnetconv_positions",
        Features = "__mlnetconv_features", ScoreText = "__mlnetconv_score_text", Index = "__mlnetconv_index", ArgMaxText = "__mlnetconv_argmax_text",
        ArgMax = "__mlnetconv_argmax", Value = "__mlnetconv_value";

    /// <summary>The temporary columns of every saved chain (a classifier's adds Value, a segmenter's ArgMax).</summary>
    public static readonly string[] TemporaryColumns = [Key, Model, Slots, Positions, Features, ScoreText, Index, ArgMaxText];

    /// <summary>Characters per score in the score text: a round-trip float ("R") is at most 15.</summary>
    public const int ScoreWidth = 16;

    /// <summary>Characters per class index in the per-position arg-max text (zero-padded, "D6").</summary>
    public const int ArgMaxWidth = 6;

    /// <summary>Base64 characters per text value (a multiple of 4), so no single value grows with the model.</summary>
    public const int ChunkChars = 1 << 20;
}
