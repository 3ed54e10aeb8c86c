using Microsoft.ML;

namespace MlNetConv.Transforms;

/// <summary>
/// <c>ml.Transforms.NearestNeighbours(ml, options)</c>: each row's K nearest reference rows by feature vector. ML.NET
/// does not let an extension method reach the catalog's MLContext, so pass it: the transform follows its GpuDeviceId
/// and FallbackToCpu.
/// </summary>
public static class NearestNeighboursCatalog
{
    /// <summary>
    /// Adds the K nearest rows of <see cref="NearestNeighboursOptions.Reference"/> (by default, of the data given to Fit)
    /// to each row: their indices, Euclidean distances and (with a label column) labels, nearest first.
    /// <code>
    /// var neighbours = ml.Transforms.NearestNeighbours(ml, new NearestNeighboursOptions
    /// {
    ///     FeatureColumnName = "Features", Reference = trainFeatures, LabelColumnName = "Label", K = 6,
    /// }).Fit(trainFeatures);
    /// var withNeighbours = neighbours.Transform(testFeatures);
    /// double precision = neighbours.PrecisionAtK(withNeighbours);
    /// </code>
    /// </summary>
    public static NearestNeighboursEstimator NearestNeighbours(this TransformsCatalog catalog, MLContext ml, NearestNeighboursOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new NearestNeighboursEstimator(ml, options ?? new NearestNeighboursOptions());
    }
}
