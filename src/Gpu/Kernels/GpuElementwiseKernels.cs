using ILGPU;
using ILGPU.Runtime;
using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Gpu.Kernels;

/// <summary>Element-wise kernels as grid-stride loops: thread t handles items t, t + stride, ...</summary>
internal sealed partial class GpuElementwiseKernels : IElementwiseKernels
{
    private readonly GpuBackend _b;
    private readonly Action<Index1D, int, int, ArrayView<float>, float> _fill, _scale;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>> _copy;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>> _add, _multiply;
    private readonly Action<Index1D, int, int, float, ArrayView<float>, ArrayView<float>> _axpy;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ChannelCopy> _copyChannels;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> _affineForward;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> _affineBackward;
    private readonly Action<Index1D, int, int, ArrayView<float>, float, ulong, int> _dropoutMask;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, RegionCopy> _copyRegion;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, int, int> _addChannelBias;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int, int> _channelSums;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, StridedLayout> _copyStrided;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, StridedLayout, StridedLayout> _sumTo;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, BorderPadGeometry> _borderPadForward, _borderPadBackward;
    private readonly Dictionary<Type, Delegate> _broadcast = [];

    public GpuElementwiseKernels(GpuBackend backend)
    {
        _b = backend;
        var a = backend.Accelerator;
        _fill = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, float>(FillKernel);
        _scale = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, float>(ScaleKernel);
        _copy = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>>(CopyKernel);
        _add = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>(AddKernel);
        _multiply = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>(MultiplyKernel);
        _axpy = a.LoadAutoGroupedStreamKernel<Index1D, int, int, float, ArrayView<float>, ArrayView<float>>(AxpyKernel);
        _copyChannels = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ChannelCopy>(CopyChannelsKernel);
        _affineForward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(AffineForwardKernel);
        _affineBackward = a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(AffineBackwardKernel);
        _dropoutMask = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, float, ulong, int>(DropoutMaskKernel);
        _copyRegion = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, RegionCopy>(CopyRegionKernel);
        _addChannelBias = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, int, int>(AddChannelBiasKernel);
        _channelSums = a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, int>(ChannelSumsKernel);
        _copyStrided = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, StridedLayout>(CopyStridedKernel);
        _sumTo = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, StridedLayout, StridedLayout>(SumToKernel);
        _borderPadForward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, BorderPadGeometry>(BorderPadForwardKernel);
        _borderPadBackward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, BorderPadGeometry>(BorderPadBackwardKernel);
        LoadBroadcast<AddOp>();
        LoadBroadcast<MultiplyOp>();
    }

    public void Fill(Tensor destination, float value) => Fill(GpuData.Of(destination), value);

    internal void Fill(ArrayView<float> view, float value)
    {
        _b.Bind();
        int n = (int)view.Length, t = _b.Threads(n);
        if (n > 0) _fill(t, n, t, view, value);
    }

    public void Copy(Tensor source, Tensor destination)
    {
        Same(source, destination, "Copy");
        Copy(GpuData.Of(source), GpuData.Of(destination));
    }

    internal void Copy(ArrayView<float> source, ArrayView<float> destination)
    {
        _b.Bind();
        int n = (int)source.Length, t = _b.Threads(n);
        if (n > 0) _copy(t, n, t, source, destination);
    }

    public void Add(Tensor a, Tensor b, Tensor destination)
    {
        Same(a, destination, "Add");
        Same(b, destination, "Add");
        Launch(_add, destination.Size, GpuData.Of(a), GpuData.Of(b), GpuData.Of(destination));
    }

    public void Multiply(Tensor a, Tensor b, Tensor destination)
    {
        Same(a, destination, "Multiply");
        Same(b, destination, "Multiply");
        Launch(_multiply, destination.Size, GpuData.Of(a), GpuData.Of(b), GpuData.Of(destination));
    }

    public void Broadcast<TOp>(TOp op, Tensor a, Tensor b, Tensor destination) where TOp : struct, IBinaryOp
    {
        var first = StridedLayout.Broadcast(a.Shape, destination.Shape);
        var second = StridedLayout.Broadcast(b.Shape, destination.Shape);
        var kernel = LoadBroadcast<TOp>();
        _b.Bind();
        int n = destination.Size, t = _b.Threads(n);
        if (n > 0) kernel(t, n, t, GpuData.Of(a), GpuData.Of(b), GpuData.Of(destination), first, second, op);
    }

    public void SumTo(Tensor source, Tensor destination)
    {
        var (kept, reduced) = StridedLayout.SumTo(source.Shape, destination.Shape);
        _b.Bind();
        int n = destination.Size, t = _b.Threads(n);
        if (n > 0) _sumTo(t, n, t, GpuData.Of(source), GpuData.Of(destination), kept, reduced);
    }

    public void CopyStrided(Tensor source, in StridedLayout layout, Tensor destination)
    {
        layout.Check("CopyStrided", source.Shape, destination.Shape);
        _b.Bind();
        int n = destination.Size, t = _b.Threads(n);
        if (n > 0) _copyStrided(t, n, t, GpuData.Of(source), GpuData.Of(destination), layout);
    }

    public void BorderPadForward(in BorderPadGeometry geometry, Tensor input, Tensor output)
    {
        geometry.Check("forward", input.Shape, output.Shape);
        _b.Bind();
        int n = output.Size, t = _b.Threads(n);
        if (n > 0) _borderPadForward(t, n, t, GpuData.Of(input), GpuData.Of(output), geometry);
    }

    public void BorderPadBackward(in BorderPadGeometry geometry, Tensor outputGrad, Tensor inputGrad)
    {
        geometry.Check("backward", inputGrad.Shape, outputGrad.Shape);
        _b.Bind();
        int n = inputGrad.Size, t = _b.Threads(n);
        if (n > 0) _borderPadBackward(t, n, t, GpuData.Of(outputGrad), GpuData.Of(inputGrad), geometry);
    }

    /// <summary>The broadcasting kernel of one op, compiled on first use (the built-in ops at construction).</summary>
    private Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, StridedLayout, StridedLayout, TOp> LoadBroadcast<TOp>()
        where TOp : struct, IBinaryOp
    {
        lock (_broadcast)
        {
            if (!_broadcast.TryGetValue(typeof(TOp), out var kernel))
            {
                _b.Bind();
                kernel = _b.Accelerator.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, StridedLayout, StridedLayout, TOp>(BroadcastKernel);
                _broadcast[typeof(TOp)] = kernel;
            }
            return (Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, StridedLayout, StridedLayout, TOp>)kernel;
        }
    }

    public void Axpy(float alpha, Tensor x, Tensor y)
    {
        Same(x, y, "Axpy");
        _b.Bind();
        int n = y.Size, t = _b.Threads(n);
        if (n > 0) _axpy(t, n, t, alpha, GpuData.Of(x), GpuData.Of(y));
    }

    public void Scale(Tensor x, float alpha)
    {
        _b.Bind();
        int n = x.Size, t = _b.Threads(n);
        if (n > 0) _scale(t, n, t, GpuData.Of(x), alpha);
    }

    public void CopyChannels(Tensor source, int sourceChannel, Tensor destination, int destinationChannel, int channels)
    {
        int n = source.Shape.N, s = source.Shape.SpatialSize;
        if (sourceChannel < 0 || destinationChannel < 0 || channels < 0 || sourceChannel + channels > source.Shape.C
            || destinationChannel + channels > destination.Shape.C || destination.Shape.N != n || destination.Shape.SpatialSize != s)
            throw new ArgumentException($"CopyChannels: channels [{sourceChannel}, {sourceChannel + channels}) of {source.Shape} do not fit at {destinationChannel} of {destination.Shape}.");
        _b.Bind();
        int count = n * channels * s, t = _b.Threads(count);
        if (count > 0)
            _copyChannels(t, count, t, GpuData.Of(source), GpuData.Of(destination),
                new ChannelCopy(s, channels, source.Shape.C, sourceChannel, destination.Shape.C, destinationChannel));
    }

    public void ChannelAffineForward(Tensor input, Tensor scale, Tensor shift, Tensor output)
    {
        Same(input, output, "ChannelAffineForward");
        _b.Bind();
        int n = input.Size, t = _b.Threads(n);
        if (n > 0) _affineForward(t, n, t, GpuData.Of(input), GpuData.Of(scale), GpuData.Of(shift), GpuData.Of(output), input.Shape.C, input.Shape.SpatialSize);
    }

    public void ChannelAffineBackward(Tensor input, Tensor outputGrad, Tensor scale, Tensor inputGrad, Tensor scaleGrad, Tensor shiftGrad)
    {
        Same(input, outputGrad, "ChannelAffineBackward");
        Same(input, inputGrad, "ChannelAffineBackward");
        _b.Bind();
        var shape = input.Shape;
        if (shape.C == 0) return;
        _affineBackward(new KernelConfig(shape.C, _b.ReduceGroupSize), GpuData.Of(input), GpuData.Of(outputGrad), GpuData.Of(scale),
            GpuData.Of(inputGrad), GpuData.Of(scaleGrad), GpuData.Of(shiftGrad), shape.N, shape.C, shape.SpatialSize);
    }

    public void DropoutMask(Tensor mask, float p, ulong seed, int blockSize)
    {
        if (blockSize <= 0) throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "The dropout block size must be positive.");
        _b.Bind();
        int n = mask.Size, t = _b.Threads(n);
        if (n > 0) _dropoutMask(t, n, t, GpuData.Of(mask), p, seed, blockSize);
    }

    public void CopyRegion(Tensor source, Int3 sourceStart, Tensor destination, Int3 destinationStart, Int3 extent)
    {
        if (source.Shape.N != destination.Shape.N || source.Shape.C != destination.Shape.C)
            throw new ArgumentException($"CopyRegion: {source.Shape} and {destination.Shape} differ in N or C.");
        var (sourceD, sourceH, sourceW) = source.Shape.Spatial3d;
        var (destinationD, destinationH, destinationW) = destination.Shape.Spatial3d;
        if (extent.D < 0 || extent.H < 0 || extent.W < 0
            || sourceStart.D < 0 || sourceStart.H < 0 || sourceStart.W < 0 || destinationStart.D < 0 || destinationStart.H < 0 || destinationStart.W < 0
            || sourceStart.D + extent.D > sourceD || sourceStart.H + extent.H > sourceH || sourceStart.W + extent.W > sourceW
            || destinationStart.D + extent.D > destinationD || destinationStart.H + extent.H > destinationH || destinationStart.W + extent.W > destinationW)
            throw new ArgumentException($"CopyRegion: a box of {extent} at {sourceStart} of {source.Shape} does not fit at {destinationStart} of {destination.Shape}.");
        _b.Bind();
        long count = (long)source.Shape.N * source.Shape.C * extent.Volume;
        int n = (int)count, t = _b.Threads(n);
        if (n > 0)
            _copyRegion(t, n, t, GpuData.Of(source), GpuData.Of(destination),
                new RegionCopy(extent, new Int3(sourceD, sourceH, sourceW), sourceStart, new Int3(destinationD, destinationH, destinationW), destinationStart));
    }

    public void AddChannelBias(Tensor bias, Tensor output)
    {
        if (bias.Size != output.Shape.C) throw new ArgumentException($"AddChannelBias: bias {bias.Shape} does not match the channels of {output.Shape}.");
        _b.Bind();
        int n = output.Size, t = _b.Threads(n);
        if (n > 0) _addChannelBias(t, n, t, GpuData.Of(bias), GpuData.Of(output), output.Shape.C, output.Shape.SpatialSize);
    }

    public void AccumulateChannelSums(Tensor input, Tensor sums)
    {
        if (sums.Size != input.Shape.C) throw new ArgumentException($"AccumulateChannelSums: sums {sums.Shape} do not match the channels of {input.Shape}.");
        _b.Bind();
        var shape = input.Shape;
        if (shape.C == 0) return;
        _channelSums(new KernelConfig(shape.C, _b.ReduceGroupSize), GpuData.Of(input), GpuData.Of(sums), shape.N, shape.C, shape.SpatialSize);
    }

    public double Sum(Tensor x)
    {
        lock (_b.Gate)
        {
            _b.Bind();
            return _b.Reductions.Sum(new ValueTerm(GpuData.Of(x)), x.Size);
        }
    }

    private void Launch(Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>> kernel, int n,
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        _b.Bind();
        int t = _b.Threads(n);
        if (n > 0) kernel(t, n, t, a, b, c);
    }

    private static void Same(Tensor a, Tensor b, string what)
    {
        if (a.Size != b.Size) throw new ArgumentException($"{what}: {a.Shape} and {b.Shape} differ in size.");
    }

    /// <summary>Where a block of channels goes: source (N, Cs, S) channels [From, From + Count) to destination (N, Cd, S) at To.</summary>
    internal readonly record struct ChannelCopy(int Spatial, int Count, int SourceChannels, int From, int DestinationChannels, int To);

    /// <summary>A box of Extent copied from Source (D, H, W) at From to Destination (D, H, W) at To, in every map.</summary>
    internal readonly record struct RegionCopy(Int3 Extent, Int3 Source, Int3 From, Int3 Destination, Int3 To);

    private static void FillKernel(Index1D t, int n, int stride, ArrayView<float> x, float value)
    {
        for (int i = t; i < n; i += stride) x[i] = value;
    }

    private static void ScaleKernel(Index1D t, int n, int stride, ArrayView<float> x, float alpha)
    {
        for (int i = t; i < n; i += stride) x[i] *= alpha;
    }

    private static void CopyKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> y)
    {
        for (int i = t; i < n; i += stride) y[i] = x[i];
    }

    private static void AddKernel(Index1D t, int n, int stride, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        for (int i = t; i < n; i += stride) c[i] = a[i] + b[i];
    }

    private static void MultiplyKernel(Index1D t, int n, int stride, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        for (int i = t; i < n; i += stride) c[i] = a[i] * b[i];
    }

    private static void BroadcastKernel<TOp>(Index1D t, int n, int stride, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        StridedLayout first, StridedLayout second, TOp op) where TOp : struct, IBinaryOp
    {
        for (int i = t; i < n; i += stride) c[i] = op.Apply(a[first.SourceOf(i)], b[second.SourceOf(i)]);
    }

    // One thread per destination element; its block summed in double in the source's order.
    private static void SumToKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> y, StridedLayout kept, StridedLayout reduced)
    {
        int count = reduced.Count;
        for (int j = t; j < n; j += stride)
        {
            int start = kept.SourceOf(j);
            double sum = 0;
            for (int r = 0; r < count; r++) sum += x[start + reduced.SourceOf(r)];
            y[j] = (float)sum;
        }
    }

    private static void CopyStridedKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> y, StridedLayout layout)
    {
        for (int i = t; i < n; i += stride) y[i] = x[layout.SourceOf(i)];
    }

    // i runs over the output (maps, D', H', W').
    private static void BorderPadForwardKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> y, BorderPadGeometry g)
    {
        Int3 input = g.Input, output = g.Output, begin = g.Begin;
        for (int at = t; at < n; at += stride)
        {
            int w = at % output.W, h = at / output.W % output.H, d = at / (output.W * output.H) % output.D, map = at / (output.W * output.H * output.D);
            int sd = BorderPadGeometry.Source(g.Mode, d, input.D, begin.D), sh = BorderPadGeometry.Source(g.Mode, h, input.H, begin.H);
            y[at] = x[((map * input.D + sd) * input.H + sh) * input.W + BorderPadGeometry.Source(g.Mode, w, input.W, begin.W)];
        }
    }

    // i runs over the input (maps, D, H, W); each element gathers the output elements that copied it, in the output's order.
    private static void BorderPadBackwardKernel(Index1D t, int n, int stride, ArrayView<float> dy, ArrayView<float> dx, BorderPadGeometry g)
    {
        Int3 input = g.Input, output = g.Output, begin = g.Begin, end = g.End;
        for (int at = t; at < n; at += stride)
        {
            int w = at % input.W, h = at / input.W % input.H, d = at / (input.W * input.H) % input.D, map = at / (input.W * input.H * input.D);
            double sum = 0;
            for (int pd = 0; pd < 3; pd++)
            {
                int d0 = BorderPadGeometry.PreimageStart(g.Mode, d, pd, input.D, begin.D), dn = BorderPadGeometry.PreimageCount(g.Mode, d, pd, input.D, begin.D, end.D);
                for (int od = d0; od < d0 + dn; od++)
                    for (int ph = 0; ph < 3; ph++)
                    {
                        int h0 = BorderPadGeometry.PreimageStart(g.Mode, h, ph, input.H, begin.H), hn = BorderPadGeometry.PreimageCount(g.Mode, h, ph, input.H, begin.H, end.H);
                        for (int oh = h0; oh < h0 + hn; oh++)
                            for (int pw = 0; pw < 3; pw++)
                            {
                                int w0 = BorderPadGeometry.PreimageStart(g.Mode, w, pw, input.W, begin.W), wn = BorderPadGeometry.PreimageCount(g.Mode, w, pw, input.W, begin.W, end.W);
                                int row = ((map * output.D + od) * output.H + oh) * output.W;
                                for (int ow = w0; ow < w0 + wn; ow++) sum += dy[row + ow];
                            }
                    }
            }
            dx[at] = (float)sum;
        }
    }

    private static void AxpyKernel(Index1D t, int n, int stride, float alpha, ArrayView<float> x, ArrayView<float> y)
    {
        for (int i = t; i < n; i += stride) y[i] += alpha * x[i];
    }

    // i runs over (N, Count, S) of the copied block.
    private static void CopyChannelsKernel(Index1D t, int n, int stride, ArrayView<float> source, ArrayView<float> destination, ChannelCopy c)
    {
        int block = c.Count * c.Spatial;
        for (int i = t; i < n; i += stride)
        {
            int sample = i / block, rest = i - sample * block;
            destination[(sample * c.DestinationChannels + c.To) * c.Spatial + rest] = source[(sample * c.SourceChannels + c.From) * c.Spatial + rest];
        }
    }

    private static void AffineForwardKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> scale, ArrayView<float> shift,
        ArrayView<float> y, int channels, int spatial)
    {
        for (int i = t; i < n; i += stride)
        {
            int ch = i / spatial % channels;
            y[i] = x[i] * scale[ch] + shift[ch];
        }
    }

    // One group per channel.
    private static void AffineBackwardKernel(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> scale, ArrayView<float> dx,
        ArrayView<float> scaleGrad, ArrayView<float> shiftGrad, int n, int c, int s)
    {
        var shared = SharedMemory.Allocate<double>(GpuReductions.MaxGroupSize);
        int ch = Grid.IdxX, count = n * s;
        float a = scale[ch];
        double sumScale = 0, sumShift = 0;
        for (int i = Group.IdxX; i < count; i += Group.DimX)
        {
            int sample = i / s, at = (sample * c + ch) * s + (i - sample * s);
            sumScale += dy[at] * x[at];
            sumShift += dy[at];
            dx[at] = dy[at] * a;
        }
        double totalScale = GpuReductions.GroupSum(sumScale, shared);
        double totalShift = GpuReductions.GroupSum(sumShift, shared);
        if (Group.IdxX == 0)
        {
            scaleGrad[ch] += (float)totalScale;
            shiftGrad[ch] += (float)totalShift;
        }
    }

    // i runs over (maps, Extent.D, Extent.H, Extent.W).
    private static void CopyRegionKernel(Index1D t, int n, int stride, ArrayView<float> source, ArrayView<float> destination, RegionCopy c)
    {
        int box = c.Extent.D * c.Extent.H * c.Extent.W;
        int sourcePlane = c.Source.D * c.Source.H * c.Source.W, destinationPlane = c.Destination.D * c.Destination.H * c.Destination.W;
        for (int i = t; i < n; i += stride)
        {
            int map = i / box, r = i - map * box;
            int w = r % c.Extent.W, h = r / c.Extent.W % c.Extent.H, d = r / (c.Extent.W * c.Extent.H);
            int from = map * sourcePlane + ((c.From.D + d) * c.Source.H + c.From.H + h) * c.Source.W + c.From.W + w;
            int to = map * destinationPlane + ((c.To.D + d) * c.Destination.H + c.To.H + h) * c.Destination.W + c.To.W + w;
            destination[to] = source[from];
        }
    }

    private static void AddChannelBiasKernel(Index1D t, int n, int stride, ArrayView<float> bias, ArrayView<float> y, int channels, int spatial)
    {
        for (int i = t; i < n; i += stride) y[i] += bias[i / spatial % channels];
    }

    // One group per channel; the group's partial sums combine in a fixed tree order.
    private static void ChannelSumsKernel(ArrayView<float> x, ArrayView<float> sums, int n, int c, int s)
    {
        var shared = SharedMemory.Allocate<double>(GpuReductions.MaxGroupSize);
        int ch = Grid.IdxX, count = n * s;
        double sum = 0;
        for (int i = Group.IdxX; i < count; i += Group.DimX)
        {
            int sample = i / s;
            sum += x[(sample * c + ch) * s + (i - sample * s)];
        }
        double total = GpuReductions.GroupSum(sum, shared);
        if (Group.IdxX == 0) sums[ch] += (float)total;
    }

    private static void DropoutMaskKernel(Index1D t, int n, int stride, ArrayView<float> mask, float p, ulong seed, int blockSize)
    {
        float keep = 1f / (1f - p);
        for (int i = t; i < n; i += stride)
            mask[i] = RandomStream.Hash(seed, (ulong)(i / blockSize)) < p ? 0f : keep;
    }
}
