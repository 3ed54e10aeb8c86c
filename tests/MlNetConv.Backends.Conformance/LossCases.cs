using MlNetConv.Tensors;
using static MlNetConv.Conformance.BackendConformance;

namespace MlNetConv.Conformance;

/// <summary>Softmax cross-entropy (plain, class weights, ignored items, per pixel, invalid labels), softmax and squared error.</summary>
internal static class LossCases
{
    public static IReadOnlyList<ConformanceCase> All =>
    [
        CrossEntropy("cross_entropy_batch4_k3", new Shape(4, 3), [0, 2, 1, 2], weights: null),
        CrossEntropy("cross_entropy_class_weights_ignore", new Shape(5, 17), [16, 3, -100, 0, 9], weights: Random(17, "cw", 0.2f, 2f)),
        CrossEntropy("cross_entropy_per_pixel", new Shape(2, 4, 3, 2), [0, 1, 2, 3, 0, -100, 3, 3, 2, 1, 0, 1], weights: null),
        CrossEntropy("cross_entropy_large_logits", new Shape(2, 3), [1, 0], weights: null, scale: 80f),
        new(Loss, "cross_entropy_label_out_of_range", r =>
        {
            var b = r.Backend;
            var shape = new Shape(3, 4);
            var labels = r.Indices(new Shape(3), [1, 4, 0]);
            r.Throws("label 4 of 4 classes", () => b.Loss.SoftmaxCrossEntropy(r.Tensor(shape, Random(shape, "z")), labels, null, -100,
                b.Allocate(new Shape(3)), b.Allocate(new Shape(3)), b.Allocate(shape)));
        }),
        new(Loss, "softmax_spatial", r =>
        {
            var shape = new Shape(2, 5, 3);
            var p = r.Tensor(shape, Random(shape, "garbage"));
            r.Backend.Loss.Softmax(r.Tensor(shape, Random(shape, "z", -5f, 5f)), p);
            r.Add("probabilities", p);
        }),
        new(Loss, "squared_error", r =>
        {
            var shape = new Shape(4, 7);
            var g = r.Tensor(shape, Random(shape, "garbage"));
            double sum = r.Backend.Loss.SquaredError(r.Tensor(shape, Random(shape, "p")), r.Tensor(shape, Random(shape, "t")), 1f / 28, g);
            r.Add("sum", sum, new Tolerance(1e-6, 1e-7));
            r.Add("gradient", g);
        }),
    ];

    private static ConformanceCase CrossEntropy(string name, Shape shape, int[] labels, float[]? weights, float scale = 4f) => new(Loss, name, r =>
    {
        var b = r.Backend;
        int items = shape.N * shape.SpatialSize;
        var z = r.Tensor(shape, Random(shape, name + " z", -scale, scale));
        var y = r.Indices(new Shape(items), labels);
        var cw = weights is null ? null : r.Tensor(new Shape(weights.Length), weights);
        var losses = r.Tensor(new Shape(items), Random(items, "garbage"));
        var itemWeights = r.Tensor(new Shape(items), Random(items, "garbage"));
        var grad = r.Tensor(shape, Random(shape, "garbage"));
        b.Loss.SoftmaxCrossEntropy(z, y, cw, -100, losses, itemWeights, grad);
        r.Add("losses", losses);
        r.Add("weights", itemWeights, Tolerance.Exact);
        r.Add("logit gradient", grad, new Tolerance(2e-4, 1e-6));
    });
}
