namespace MlNetConv.Neocognitron;

/// <summary>
/// Fukushima's interpolating-vector readout (IntVec, 2013 "Training multi-layered neural network neocognitron"):
/// labelled reference vectors, compared by cosine. <b>Learning</b>: each training vector the current references
/// misclassify (or whose class has none yet) becomes a new reference of its class. <b>Recognition</b>: the input is
/// compared with every vector interpolated between two references of one class, λ·X_i + (1 − λ)·X_j, λ ∈ [0, 1]; the
/// class of the most similar wins. The best interpolation has a closed form: with a = ⟨x, X_i⟩, b = ⟨x, X_j⟩,
/// g = ⟨X_i, X_j⟩ (unit vectors), the projection of x on span(X_i, X_j) has coefficients α = (a − b·g)/(1 − g²),
/// β = (b − a·g)/(1 − g²); when both are ≥ 0 it lies between the two and its cosine with x is sqrt(α·a + β·b), else
/// the better end, max(a, b). Pairs are taken among the <see cref="Neighbours"/> references of each class most similar
/// to the input (all pairs would cost the square of the references per class).
/// </summary>
public sealed class InterpolatingVectorClassifier
{
    private readonly List<float[]> _references = [];
    private readonly List<int> _labels = [];

    private InterpolatingVectorClassifier(int classes, int dimension, int neighbours) => (Classes, Dimension, Neighbours) = (classes, dimension, neighbours);

    public int Classes { get; }
    public int Dimension { get; }
    public int Neighbours { get; }
    public int ReferenceCount => _references.Count;

    /// <summary>References per class.</summary>
    public int[] ReferencesPerClass => Enumerable.Range(0, Classes).Select(k => _labels.Count(l => l == k)).ToArray();

    /// <param name="features">(count, dimension)</param>
    /// <param name="labels">(count), each in [0, classes)</param>
    /// <param name="passes">passes over the training vectors in the given order</param>
    public static InterpolatingVectorClassifier Fit(float[] features, int dimension, int[] labels, int classes, int passes = 2, int neighbours = 5)
    {
        int count = FeatureVectors.Count(features, dimension, labels, classes, nameof(InterpolatingVectorClassifier));
        if (passes <= 0 || neighbours <= 0) throw new ArgumentException($"{nameof(InterpolatingVectorClassifier)}: passes and neighbours must be positive, got {passes} and {neighbours}.");
        var classifier = new InterpolatingVectorClassifier(classes, dimension, neighbours);
        for (int pass = 0; pass < passes; pass++)
        {
            int added = 0;
            for (int i = 0; i < count; i++)
            {
                var x = FeatureVectors.Unit(features.AsSpan(i * dimension, dimension));
                if (classifier.PredictUnit(x) == labels[i]) continue;
                classifier._references.Add(x);
                classifier._labels.Add(labels[i]);
                added++;
            }
            if (added == 0) break;
        }
        return classifier;
    }

    /// <param name="feature">(dimension)</param>
    public int Predict(ReadOnlySpan<float> feature)
    {
        if (feature.Length != Dimension) throw new ArgumentException($"{nameof(InterpolatingVectorClassifier)}: expected {Dimension} features, got {feature.Length}.");
        return PredictUnit(FeatureVectors.Unit(feature));
    }

    /// <returns>−1 while there are no references</returns>
    private int PredictUnit(float[] x)
    {
        var nearest = new List<(float Similarity, int Reference)>[Classes];
        for (int k = 0; k < Classes; k++) nearest[k] = [];
        for (int r = 0; r < _references.Count; r++)
        {
            var list = nearest[_labels[r]];
            float s = FeatureVectors.Dot(_references[r], x);
            if (list.Count < Neighbours) list.Add((s, r));
            else if (s > list[^1].Similarity) list[^1] = (s, r);
            else continue;
            list.Sort((p, q) => q.Similarity.CompareTo(p.Similarity));
        }
        int best = -1;
        double bestSimilarity = double.NegativeInfinity;
        for (int k = 0; k < Classes; k++)
        {
            var list = nearest[k];
            for (int i = 0; i < list.Count; i++)
            {
                double s = list[i].Similarity;
                for (int j = i + 1; j < list.Count; j++)
                    s = Math.Max(s, Interpolated(list[i].Similarity, list[j].Similarity,
                        FeatureVectors.Dot(_references[list[i].Reference], _references[list[j].Reference])));
                if (s > bestSimilarity) (best, bestSimilarity) = (k, s);
            }
        }
        return best;
    }

    /// <summary>The cosine between a unit x and the best vector interpolated between unit X_i and X_j (see the class).</summary>
    /// <param name="a">⟨x, X_i⟩</param>
    /// <param name="b">⟨x, X_j⟩</param>
    /// <param name="g">⟨X_i, X_j⟩</param>
    public static double Interpolated(double a, double b, double g)
    {
        double ends = Math.Max(a, b), det = 1 - g * g;
        if (det < 1e-9) return ends;
        double alpha = (a - b * g) / det, beta = (b - a * g) / det;
        return alpha >= 0 && beta >= 0 ? Math.Sqrt(Math.Max(alpha * a + beta * b, 0)) : ends;
    }
}
