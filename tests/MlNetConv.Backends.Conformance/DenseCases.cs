using MlNetConv.Tensors;
using static MlNetConv.Conformance.BackendConformance;

namespace MlNetConv.Conformance;

/// <summary>Fully connected forward, input gradient and accumulated weight/bias gradients.</summary>
internal static class DenseCases
{
    public static IReadOnlyList<ConformanceCase> All =>
    [
        Case("batch1_7to5", 1, 7, 5, bias: true),
        Case("batch3_33to70", 3, 33, 70, bias: true),
        Case("batch5_64to10_nobias", 5, 64, 10, bias: false),
        Case("batch70_17to3", 70, 17, 3, bias: true),
    ];

    private static ConformanceCase Case(string name, int n, int inSize, int outSize, bool bias) => new(Dense, name, r =>
    {
        var b = r.Backend;
        var x = r.Tensor(new Shape(n, inSize), Random(n * inSize, name + " x"));
        var w = r.Tensor(new Shape(outSize, inSize), Random(outSize * inSize, name + " w"));
        var bv = bias ? r.Tensor(new Shape(outSize), Random(outSize, name + " b")) : null;
        var y = r.Tensor(new Shape(n, outSize), Random(n * outSize, "garbage"));
        b.Dense.Forward(x, w, bv, y);
        r.Add("forward", y);
        var dy = r.Tensor(new Shape(n, outSize), Random(n * outSize, name + " dy"));
        var dx = r.Tensor(new Shape(n, inSize), Random(n * inSize, "garbage"));
        b.Dense.BackwardData(dy, w, dx);
        r.Add("input gradient", dx);
        var dw = r.Tensor(new Shape(outSize, inSize), Random(outSize * inSize, name + " dw0"));
        var db = bias ? r.Tensor(new Shape(outSize), Random(outSize, name + " db0")) : null;
        b.Dense.BackwardWeights(x, dy, dw, db);
        r.Add("weight gradient", dw);
        if (db is not null) r.Add("bias gradient", db);
    });
}
