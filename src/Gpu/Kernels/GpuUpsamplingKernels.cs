using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Gpu.Kernels;

/// <summary>
/// Nearest and (bi/tri)linear upsampling with the taps the geometry lists, uploaded once per geometry. Forward runs one
/// thread per output; backward one thread per input element that gathers, in output order, from the outputs that read
/// it (an inverse tap list per axis) — no atomics, so the gradient is deterministic.
/// </summary>
internal sealed class GpuUpsamplingKernels : IUpsamplingKernels, IDisposable
{
    private readonly GpuBackend _b;
    private readonly ConditionalWeakTable<UpsampleGeometry, UpsampleTable> _tables = new();
    private readonly List<UpsampleTable> _tableList = [];
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, UpsampleParams> _forward, _backward;

    public GpuUpsamplingKernels(GpuBackend backend)
    {
        _b = backend;
        var a = backend.Accelerator;
        _forward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, UpsampleParams>(ForwardKernel);
        _backward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, UpsampleParams>(BackwardKernel);
    }

    public void Forward(UpsampleGeometry geometry, Tensor input, Tensor output)
    {
        var table = Table(geometry);
        _b.Bind();
        int n = output.Size, t = _b.Threads(n);
        if (n > 0) _forward(t, n, t, GpuData.Of(input), GpuData.Of(output), table.Ints, table.Floats, table.Params);
    }

    public void Backward(UpsampleGeometry geometry, Tensor outputGrad, Tensor inputGrad)
    {
        var table = Table(geometry);
        _b.Bind();
        int n = inputGrad.Size, t = _b.Threads(n);
        if (n > 0) _backward(t, n, t, GpuData.Of(outputGrad), GpuData.Of(inputGrad), table.Ints, table.Floats, table.Params);
    }

    private UpsampleTable Table(UpsampleGeometry geometry)
    {
        lock (_tables)
        {
            if (_tables.TryGetValue(geometry, out var table)) return table;
            _b.Bind();
            table = new UpsampleTable(_b.Accelerator, geometry);
            _tables.Add(geometry, table);
            _tableList.Add(table);
            return table;
        }
    }

    public void Dispose()
    {
        lock (_tables)
        {
            foreach (var table in _tableList) table.Dispose();
            _tableList.Clear();
        }
    }

    /// <summary>
    /// Where one axis's lists start in the table's int and float buffers: per output Lo, Hi (ints) and HiWeight
    /// (floats); per input i the entries [Start[i], Start[i+1]) of (Output, Weight): the outputs that read i with a
    /// non-zero weight, in output order (the lower tap before the upper).
    /// </summary>
    internal readonly record struct AxisOffsets(int Lo, int Hi, int Start, int Output, int HiWeight, int Weight);

    internal readonly record struct UpsampleParams(Int3 Input, Int3 Output, AxisOffsets D, AxisOffsets H, AxisOffsets W);

    private sealed class UpsampleTable : IDisposable
    {
        private readonly MemoryBuffer1D<int, Stride1D.Dense> _ints;
        private readonly MemoryBuffer1D<float, Stride1D.Dense> _floats;

        public UpsampleTable(Accelerator accelerator, UpsampleGeometry g)
        {
            var ints = new List<int>();
            var floats = new List<float>();
            var d = Add(g.D, g.Input.D, ints, floats);
            var h = Add(g.H, g.Input.H, ints, floats);
            var w = Add(g.W, g.Input.W, ints, floats);
            Params = new UpsampleParams(g.Input, g.Output, d, h, w);
            if (ints.Count == 0) ints.Add(0);
            if (floats.Count == 0) floats.Add(0f);
            _ints = accelerator.Allocate1D(ints.ToArray());
            _floats = accelerator.Allocate1D(floats.ToArray());
        }

        public UpsampleParams Params { get; }
        public ArrayView<int> Ints => _ints.View;
        public ArrayView<float> Floats => _floats.View;

        private static AxisOffsets Add(UpsampleTaps taps, int inputs, List<int> ints, List<float> floats)
        {
            int outputs = taps.Lo.Length;
            var readers = new List<(int Output, float Weight)>[inputs];
            for (int i = 0; i < inputs; i++) readers[i] = [];
            for (int o = 0; o < outputs; o++)
                for (int which = 0; which < 2; which++)
                {
                    // The CPU kernel's weights: 1 - w for the lower tap, w for the upper; zero weights are skipped.
                    float weight = which == 0 ? 1f - taps.HiWeight[o] : taps.HiWeight[o];
                    if (weight == 0f) continue;
                    readers[which == 0 ? taps.Lo[o] : taps.Hi[o]].Add((o, weight));
                }
            int lo = ints.Count;
            ints.AddRange(taps.Lo);
            int hi = ints.Count;
            ints.AddRange(taps.Hi);
            int start = ints.Count;
            int entries = 0;
            ints.Add(0);
            foreach (var list in readers) ints.Add(entries += list.Count);
            int output = ints.Count;
            foreach (var list in readers) ints.AddRange(list.Select(r => r.Output));
            int hiWeight = floats.Count;
            floats.AddRange(taps.HiWeight);
            int weightAt = floats.Count;
            foreach (var list in readers) floats.AddRange(list.Select(r => r.Weight));
            return new AxisOffsets(lo, hi, start, output, hiWeight, weightAt);
        }

        public void Dispose()
        {
            _ints.Dispose();
            _floats.Dispose();
        }
    }

    /// <summary>The weight of tap <paramref name="which"/> (0: lower, 1: upper) of output <paramref name="o"/> along one axis, as the CPU kernel.</summary>
    private static float Weight(ArrayView<int> ints, ArrayView<float> floats, AxisOffsets axis, int o, int which, out int index)
    {
        float hiWeight = floats[axis.HiWeight + o];
        index = which == 0 ? ints[axis.Lo + o] : ints[axis.Hi + o];
        return which == 0 ? 1f - hiWeight : hiWeight;
    }

    // Output o of map m: the weighted taps in (d, h, w) lower-then-upper order, summed in double.
    private static void ForwardKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> y, ArrayView<int> ints, ArrayView<float> floats,
        UpsampleParams p)
    {
        int outPlane = p.Output.D * p.Output.H * p.Output.W, inPlane = p.Input.D * p.Input.H * p.Input.W;
        for (int i = t; i < n; i += stride)
        {
            int map = i / outPlane, o = i - map * outPlane;
            int ow = o % p.Output.W, oh = o / p.Output.W % p.Output.H, od = o / (p.Output.W * p.Output.H);
            double sum = 0;
            for (int a = 0; a < 2; a++)
            {
                float wd = Weight(ints, floats, p.D, od, a, out int id);
                if (wd == 0f) continue;
                for (int b = 0; b < 2; b++)
                {
                    float wh = Weight(ints, floats, p.H, oh, b, out int ih);
                    if (wh == 0f) continue;
                    for (int c = 0; c < 2; c++)
                    {
                        float ww = Weight(ints, floats, p.W, ow, c, out int iw);
                        if (ww == 0f) continue;
                        sum += (double)wd * wh * ww * x[map * inPlane + (id * p.Input.H + ih) * p.Input.W + iw];
                    }
                }
            }
            y[i] = (float)sum;
        }
    }

    // Input element i of map m: every output that reads it, in output order, adds weight · gradient (in float, as the CPU's scatter).
    private static void BackwardKernel(Index1D t, int n, int stride, ArrayView<float> dy, ArrayView<float> dx, ArrayView<int> ints, ArrayView<float> floats,
        UpsampleParams p)
    {
        int outPlane = p.Output.D * p.Output.H * p.Output.W, inPlane = p.Input.D * p.Input.H * p.Input.W;
        for (int i = t; i < n; i += stride)
        {
            int map = i / inPlane, tap = i - map * inPlane;
            int iw = tap % p.Input.W, ih = tap / p.Input.W % p.Input.H, id = tap / (p.Input.W * p.Input.H);
            float sum = 0f;
            int dEnd = ints[p.D.Start + id + 1], hEnd = ints[p.H.Start + ih + 1], wEnd = ints[p.W.Start + iw + 1];
            for (int ed = ints[p.D.Start + id]; ed < dEnd; ed++)
            {
                int od = ints[p.D.Output + ed];
                float wd = floats[p.D.Weight + ed];
                for (int eh = ints[p.H.Start + ih]; eh < hEnd; eh++)
                {
                    int oh = ints[p.H.Output + eh];
                    float wh = floats[p.H.Weight + eh];
                    for (int ew = ints[p.W.Start + iw]; ew < wEnd; ew++)
                    {
                        int ow = ints[p.W.Output + ew];
                        float ww = floats[p.W.Weight + ew];
                        sum += wd * wh * ww * dy[map * outPlane + (od * p.Output.H + oh) * p.Output.W + ow];
                    }
                }
            }
            dx[i] = sum;
        }
    }
}
