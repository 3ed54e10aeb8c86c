using MlNetConv.Backends;
using MlNetConv.Tensors;
using static MlNetConv.Conformance.BackendConformance;

namespace MlNetConv.Conformance;

/// <summary>Three steps of each optimizer configuration: parameters and state after every step.</summary>
internal static class OptimizerCases
{
    private static readonly Shape Shape = new(5, 7);

    public static IReadOnlyList<ConformanceCase> All =>
    [
        Sgd("sgd_plain", 0f, 0f, false),
        Sgd("sgd_momentum_weight_decay", 0.9f, 1e-2f, false),
        Sgd("sgd_nesterov", 0.9f, 0f, true),
        Adam("adam_l2", 1e-2f, decoupled: false),
        Adam("adamw", 1e-2f, decoupled: true),
    ];

    private static ConformanceCase Sgd(string name, float momentum, float weightDecay, bool nesterov) => new(Optimizer, name, r =>
    {
        var p = r.Tensor(Shape, Random(Shape, "p"));
        var v = momentum != 0 ? r.Backend.Allocate(Shape) : null;
        for (int step = 0; step < 3; step++)
        {
            var g = r.Tensor(Shape, Random(Shape, $"g{step}"));
            r.Backend.Optimizer.SgdStep(p, g, v, 0.1f, momentum, weightDecay, nesterov);
            r.Add($"parameter after step {step + 1}", p, new Tolerance(1e-6, 1e-7));
            if (v is not null) r.Add($"velocity after step {step + 1}", v, new Tolerance(1e-6, 1e-7));
        }
    });

    private static ConformanceCase Adam(string name, float weightDecay, bool decoupled) => new(Optimizer, name, r =>
    {
        IBackend b = r.Backend;
        var p = r.Tensor(Shape, Random(Shape, "p"));
        var m = b.Allocate(Shape);
        var v = b.Allocate(Shape);
        for (int step = 1; step <= 3; step++)
        {
            var g = r.Tensor(Shape, Random(Shape, $"g{step}"));
            b.Optimizer.AdamStep(p, g, m, v, 0.01f, 0.9f, 0.999f, 1e-8f, weightDecay, decoupled, step);
            r.Add($"parameter after step {step}", p, new Tolerance(1e-5, 1e-7));
            r.Add($"first moment after step {step}", m, new Tolerance(1e-6, 1e-8));
            r.Add($"second moment after step {step}", v, new Tolerance(1e-5, 1e-10));
        }
    });
}
