namespace MlNetConv.Neocognitron;

/// <summary>
/// A top-layer readout: one prototype per class, the normalised mean of the class' unit-length feature vectors;
/// an input gets the class of the prototype with the largest cosine.
/// </summary>
public sealed class NearestPrototypeClassifier
{
    private readonly float[][] _prototypes;

    private NearestPrototypeClassifier(float[][] prototypes) => _prototypes = prototypes;

    public int Classes => _prototypes.Length;

    /// <param name="features">(count, dimension)</param>
    /// <param name="labels">(count), each in [0, classes)</param>
    public static NearestPrototypeClassifier Fit(float[] features, int dimension, int[] labels, int classes)
    {
        int count = FeatureVectors.Count(features, dimension, labels, classes, nameof(NearestPrototypeClassifier));
        var sums = new float[classes][];
        for (int k = 0; k < classes; k++) sums[k] = new float[dimension];
        for (int i = 0; i < count; i++)
        {
            var unit = FeatureVectors.Unit(features.AsSpan(i * dimension, dimension));
            var sum = sums[labels[i]];
            for (int j = 0; j < dimension; j++) sum[j] += unit[j];
        }
        return new NearestPrototypeClassifier(sums.Select(s => FeatureVectors.Unit(s)).ToArray());
    }

    /// <param name="feature">(dimension)</param>
    public int Predict(ReadOnlySpan<float> feature)
    {
        if (feature.Length != _prototypes[0].Length)
            throw new ArgumentException($"{nameof(NearestPrototypeClassifier)}: expected {_prototypes[0].Length} features, got {feature.Length}.");
        int best = 0;
        float bestSimilarity = float.NegativeInfinity;
        for (int k = 0; k < Classes; k++)
        {
            float s = FeatureVectors.Dot(_prototypes[k], feature);
            if (s > bestSimilarity) (best, bestSimilarity) = (k, s);
        }
        return best;
    }
}
