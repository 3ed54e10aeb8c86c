using MlNetConv.Neocognitron;

namespace MlNetConv.Tests.Neocognitron;

/// <summary>The top-layer classifiers on vectors whose answers are known.</summary>
public sealed class ReadoutTests
{
    [Fact]
    public void InterpolationBetweenTwoReferencesHasItsClosedForm()
    {
        double h = Math.Sqrt(0.5);
        // x halfway between orthogonal X_i and X_j: the interpolated vector is x itself.
        Assert.Equal(1.0, InterpolatingVectorClassifier.Interpolated(h, h, 0), 12);
        // x = (0.6, 0.8, 0) with X_i = e1, X_j = e2: inside the cone, cosine 1.
        Assert.Equal(1.0, InterpolatingVectorClassifier.Interpolated(0.6, 0.8, 0), 12);
        // x = (0.6, 0, 0.8): its projection (0.6, 0) is X_i's direction, cosine 0.6 = the better end.
        Assert.Equal(0.6, InterpolatingVectorClassifier.Interpolated(0.6, 0, 0), 12);
        // x outside the cone (a negative coefficient): the better end.
        Assert.Equal(0.9, InterpolatingVectorClassifier.Interpolated(0.9, -0.2, 0.1), 12);
    }

    [Fact]
    public void InterpolatingVectorsReachBetweenTheReferencesOfAClass()
    {
        // Class 0: e1 and e2. Class 1: (1, 1, 1.5)/|…|, closer to (e1 + e2)/√2 than either e1 or e2 is.
        float[] features = [1, 0, 0, 0, 1, 0, 1, 1, 1.5f];
        int[] labels = [0, 0, 1];
        var classifier = InterpolatingVectorClassifier.Fit(features, 3, labels, 2);
        Assert.Equal(3, classifier.ReferenceCount);
        Assert.Equal([2, 1], classifier.ReferencesPerClass);
        // (1, 1, 0.3) is nearer class 1's reference than e1 or e2 (cos 0.72 vs 0.69), but lies on class 0's span.
        Assert.Equal(0, classifier.Predict([1, 1, 0.3f]));
        var prototypes = NearestPrototypeClassifier.Fit(features, 3, labels, 2);
        Assert.Equal(1, prototypes.Predict([0, 0, 1]));
        Assert.Equal(0, prototypes.Predict([1, 0.2f, 0]));
    }

    [Fact]
    public void ReferencesAreAddedOnlyForMistakes()
    {
        // Three vectors of one class close together: the first becomes a reference, the others are classified right.
        float[] features = [1, 0.1f, 1, 0.12f, 1, 0.08f, 0, 1];
        var classifier = InterpolatingVectorClassifier.Fit(features, 2, [0, 0, 0, 1], 2);
        Assert.Equal([1, 1], classifier.ReferencesPerClass);
        Assert.Throws<ArgumentException>(() => InterpolatingVectorClassifier.Fit(features, 2, [0, 0, 0, 2], 2));
        Assert.Throws<ArgumentException>(() => classifier.Predict([1, 0, 0]));
    }
}
