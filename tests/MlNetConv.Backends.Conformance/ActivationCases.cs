using MlNetConv.Backends;
using MlNetConv.Tensors;
using static MlNetConv.Conformance.BackendConformance;

namespace MlNetConv.Conformance;

/// <summary>Every activation op forward and backward, over values that include 0, large magnitudes and NaN.</summary>
internal static class ActivationCases
{
    public static IReadOnlyList<ConformanceCase> All =>
    [
        Case("relu", new ReluOp()),
        Case("leaky_relu_0.1", new LeakyReluOp(0.1f)),
        Case("tanh", new TanhOp()),
        Case("scaled_tanh", new ScaledTanhOp()),
        Case("sigmoid", new SigmoidOp()),
    ];

    private static ConformanceCase Case<TOp>(string name, TOp op) where TOp : struct, IActivationOp => new(Activation, name, r =>
    {
        var shape = new Shape(3, 5, 7);
        var values = Random(shape, name + " x", -4f, 4f);
        values[0] = 0f;
        values[1] = -30f;
        values[2] = 30f;
        values[3] = float.NaN;
        var x = r.Tensor(shape, values);
        var y = r.Backend.Allocate(shape);
        r.Backend.Activation.Forward(op, x, y);
        r.Add("forward", y, new Tolerance(2e-6, 1e-7));
        var dy = r.Tensor(shape, Random(shape, name + " dy"));
        var dx = r.Tensor(shape, Random(shape, "garbage"));
        r.Backend.Activation.Backward(op, x, y, dy, dx);
        r.Add("input gradient", dx, new Tolerance(2e-6, 1e-7));
    });
}
