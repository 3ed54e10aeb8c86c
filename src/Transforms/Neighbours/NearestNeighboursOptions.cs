using Microsoft.ML;
using MlNetConv.Backends;
using MlNetConv.Neighbours;

namespace MlNetConv.Transforms;

/// <summary>Settings of <see cref="NearestNeighboursEstimator"/>: which vectors are searched, for how many neighbours, and the columns it adds.</summary>
public sealed class NearestNeighboursOptions
{
    public static class Defaults
    {
        /// <summary>The lecture's AlexNet slide shows six.</summary>
        public const int K = 6;
        public const string Features = "Features";
        public const string Neighbours = "Neighbours";
        public const string Distances = "NeighbourDistances";
        public const string NeighbourLabels = "NeighbourLabels";
        public const int BatchSize = 1024;
    }

    /// <summary>Neighbours per row. Default 6.</summary>
    public int K { get; init; } = Defaults.K;

    /// <summary>The rows' known-size Single vector column (e.g. ConvNetFeaturize's output). Default "Features".</summary>
    public string FeatureColumnName { get; init; } = Defaults.Features;

    /// <summary>The rows searched for neighbours; null searches the data given to Fit.</summary>
    public IDataView? Reference { get; init; }

    /// <summary>The reference's vector column; null for <see cref="FeatureColumnName"/>.</summary>
    public string? ReferenceFeatureColumnName { get; init; }

    /// <summary>A label column of the reference (a key, a number, a boolean or text); when set, the neighbours' labels are added too.</summary>
    public string? LabelColumnName { get; init; }

    /// <summary>
    /// Row i is never its own neighbour: reference row i is left out of its search. For transforming the very data the
    /// neighbours are searched in (leave-one-out retrieval); every transformed row must then have a reference row.
    /// </summary>
    public bool LeaveOneOut { get; init; }

    /// <summary>Output: (K) Int32, the neighbours' row indices in the reference, nearest first. Default "Neighbours".</summary>
    public string NeighboursColumnName { get; init; } = Defaults.Neighbours;

    /// <summary>Output: (K) Single, their Euclidean distances. Default "NeighbourDistances".</summary>
    public string DistancesColumnName { get; init; } = Defaults.Distances;

    /// <summary>Output, with <see cref="LabelColumnName"/>: (K) the neighbours' labels, of the label's type. Default "NeighbourLabels".</summary>
    public string NeighbourLabelsColumnName { get; init; } = Defaults.NeighbourLabels;

    /// <summary>Rows searched at once by Transform. Default 1024.</summary>
    public int BatchSize { get; init; } = Defaults.BatchSize;

    /// <summary>Where the distances are multiplied out; null follows the MLContext: its GpuDeviceId (null = CPU) and FallbackToCpu.</summary>
    public Device? Device { get; init; }

    /// <summary>The index's settings (blocks, chunks, a TF32 GPU's rounding).</summary>
    public NearestNeighbourOptions Index { get; init; } = NearestNeighbourOptions.Default;

    internal string ReferenceFeatures => ReferenceFeatureColumnName ?? FeatureColumnName;

    internal void Validate()
    {
        if (K < 1) throw new ArgumentOutOfRangeException(nameof(K), K, "NearestNeighbours: K must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "NearestNeighbours: BatchSize must be at least 1.");
        ArgumentNullException.ThrowIfNull(Index, nameof(Index));
        string?[] names = [FeatureColumnName, NeighboursColumnName, DistancesColumnName, NeighbourLabelsColumnName];
        if (names.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("NearestNeighbours: column names must not be empty.");
        var outputs = LabelColumnName is null ? new[] { NeighboursColumnName, DistancesColumnName } : [NeighboursColumnName, DistancesColumnName, NeighbourLabelsColumnName];
        if (outputs.Distinct().Count() != outputs.Length)
            throw new ArgumentException($"NearestNeighbours: the output columns must have different names, got {string.Join(", ", outputs.Select(o => $"'{o}'"))}.");
    }
}
