using MlNetConv.Geometry;
using MlNetConv.Tensors;
using static MlNetConv.Conformance.BackendConformance;

namespace MlNetConv.Conformance;

/// <summary>
/// Kernel calls whose tensors do not fit the geometry or each other: every backend must refuse them with the same
/// ArgumentException (type and message, compared exactly) before touching memory, because the CPU kernels read and
/// write behind raw pointers with sizes taken from the geometry.
/// </summary>
internal static class ArgumentCases
{
    public static IReadOnlyList<ConformanceCase> All =>
    [
        new(Arguments, "convolution", Convolution),
        new(Arguments, "dense", Dense),
        new(Arguments, "pooling", Pooling),
        new(Arguments, "elementwise", Elementwise),
    ];

    /// <summary>Records the refusal of <paramref name="call"/>; a backend that accepts it fails the case at once.</summary>
    private static void Refused(Results r, string name, Action call) =>
        r.Throws(name, () =>
        {
            call();
            throw new ParityException($"{r.Backend.Name} accepted a call it must refuse: {name}.");
        });

    private static void Convolution(Results r)
    {
        var b = r.Backend;
        var g = ConvGeometry.Create(new Shape(2, 3, 6, 6), 4, [3, 3], [1, 1], [1, 1], 1, 1, null, "conv");
        Tensor T(params int[] dims) => r.Tensor(new Shape(dims), Random(new Shape(dims), "args"));
        var (x, w, bias, y) = (T(2, 3, 6, 6), T(4, 3, 3, 3), T(4), T(2, 4, 6, 6));
        Refused(r, "forward: output one row short", () => b.Convolution.Forward(g, x, w, bias, T(2, 4, 5, 6)));
        Refused(r, "forward: weight of another kernel", () => b.Convolution.Forward(g, x, T(4, 3, 5, 5), bias, y));
        Refused(r, "forward: bias of another width", () => b.Convolution.Forward(g, x, w, T(5), y));
        Refused(r, "forward: input of another batch than the output", () => b.Convolution.Forward(g, T(3, 3, 6, 6), w, bias, y));
        Refused(r, "backward data: input gradient of another size", () => b.Convolution.BackwardData(g, y, w, T(2, 3, 7, 6)));
        Refused(r, "backward weights: weight gradient of another size", () => b.Convolution.BackwardWeights(g, x, y, T(4, 2, 3, 3), bias));
        r.Throws("forward: the right shapes", () => b.Convolution.Forward(g, x, w, bias, y));
    }

    private static void Dense(Results r)
    {
        var b = r.Backend;
        Tensor T(params int[] dims) => r.Tensor(new Shape(dims), Random(new Shape(dims), "args"));
        var (x, w, bias, y) = (T(3, 7), T(5, 7), T(5), T(3, 5));
        Refused(r, "forward: weight reads 8 inputs of 7", () => b.Dense.Forward(x, T(5, 8), bias, y));
        Refused(r, "forward: output of another width", () => b.Dense.Forward(x, w, bias, T(3, 6)));
        Refused(r, "forward: output of another batch", () => b.Dense.Forward(x, w, bias, T(4, 5)));
        Refused(r, "forward: bias of another width", () => b.Dense.Forward(x, w, T(4), y));
        Refused(r, "backward data: input gradient of another width", () => b.Dense.BackwardData(y, w, T(3, 6)));
        Refused(r, "backward weights: weight gradient of another shape", () => b.Dense.BackwardWeights(x, y, T(7, 5), bias));
        r.Throws("forward: the right shapes", () => b.Dense.Forward(x, w, bias, y));
    }

    private static void Pooling(Results r)
    {
        var b = r.Backend;
        var g = PoolGeometry.Create(new Shape(2, 3, 6, 6), [2, 2], [2, 2], 0, [1, 1], false, true, "pool");
        Tensor T(params int[] dims) => r.Tensor(new Shape(dims), Random(new Shape(dims), "args"));
        IndexTensor I(params int[] dims) => r.Indices(new Shape(dims), new int[new Shape(dims).Size]);
        var (x, y) = (T(2, 3, 6, 6), T(2, 3, 3, 3));
        Refused(r, "max forward: output of another size", () => b.Pooling.MaxForward(g, x, T(2, 3, 3, 4), I(2, 3, 3, 4)));
        Refused(r, "max forward: indices of another size", () => b.Pooling.MaxForward(g, x, y, I(2, 3, 2, 3)));
        Refused(r, "max backward: input gradient of another size", () => b.Pooling.MaxBackward(g, y, I(2, 3, 3, 3), T(2, 3, 6, 7)));
        Refused(r, "average forward: input of other channels", () => b.Pooling.AvgForward(g, T(2, 4, 6, 6), T(2, 4, 3, 3)));
        Refused(r, "average backward: output gradient of another batch", () => b.Pooling.AvgBackward(g, T(1, 3, 3, 3), x));
        Refused(r, "Lp forward: output of another size", () => b.Pooling.LpForward(g, 2f, x, T(2, 3, 3, 2)));
        Refused(r, "max unpool backward: gradient of another size", () => b.Pooling.MaxUnpoolBackward(g, T(2, 3, 5, 6), I(2, 3, 3, 3), y));
        r.Throws("average forward: the right shapes", () => b.Pooling.AvgForward(g, x, y));
    }

    private static void Elementwise(Results r)
    {
        var b = r.Backend;
        Tensor T(params int[] dims) => r.Tensor(new Shape(dims), Random(new Shape(dims), "args"));
        Refused(r, "broadcast: an operand of another channel count", () => b.Elementwise.Broadcast(new Backends.AddOp(), T(2, 3, 4), T(2, 2, 1), T(2, 3, 4)));
        Refused(r, "broadcast: an operand larger than the destination", () => b.Elementwise.Broadcast(new Backends.MultiplyOp(), T(2, 3, 4), T(2, 3, 5), T(2, 3, 4)));
        Refused(r, "broadcast: an operand of another rank", () => b.Elementwise.Broadcast(new Backends.AddOp(), T(2, 3, 4), T(3, 4), T(2, 3, 4)));
        Refused(r, "sum to: a destination that does not broadcast", () => b.Elementwise.SumTo(T(2, 3, 4), T(2, 2, 1)));
        Refused(r, "copy strided: a walk past the source", () => b.Elementwise.CopyStrided(T(2, 3), new StridedLayout([3, 2], [1, 4]), T(3, 2)));
        Refused(r, "copy strided: a destination of another size", () => b.Elementwise.CopyStrided(T(2, 3), StridedLayout.Permute(new Shape(2, 3), [1, 0]), T(2, 2)));
        var g = BorderPadGeometry.Create(new Shape(2, 3, 4), [1], [2], BorderMode.Reflect, "pad");
        Refused(r, "border pad forward: output of another size", () => b.Elementwise.BorderPadForward(g, T(2, 3, 4), T(2, 3, 6)));
        Refused(r, "border pad backward: input gradient of another channel count", () => b.Elementwise.BorderPadBackward(g, T(2, 3, 7), T(2, 2, 4)));
        r.Throws("border pad forward: the right shapes", () => b.Elementwise.BorderPadForward(g, T(2, 3, 4), T(2, 3, 7)));
    }
}
