using System.Runtime.Intrinsics;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Element-wise kernels; sums, products and axpy 16 values at a time in Vector512 lanes where the machine has them, each
/// lane the scalar loop's operations in its order (no fused multiply-adds), so the same bits. Broadcasting, strided
/// copies, reductions to a broadcast shape and border padding go a row at a time (the index arithmetic once per row),
/// rows spread over the cores; sums run in the reference's order, so these too give its bits.
/// </summary>
internal sealed class CpuElementwiseKernels : IElementwiseKernels
{
    public void Fill(Tensor destination, float value) => CpuData.Span(destination).Fill(value);

    public void Copy(Tensor source, Tensor destination) => CpuData.Span(source).CopyTo(CpuData.Span(destination));

    public void Add(Tensor a, Tensor b, Tensor destination)
    {
        var x = CpuData.Read(a).AsSpan();
        var y = CpuData.Read(b).AsSpan();
        var z = CpuData.Span(destination);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= z.Length - 16; i += 16) (Vector512.Create(x[i..]) + Vector512.Create(y[i..])).CopyTo(z[i..]);
        for (; i < z.Length; i++) z[i] = x[i] + y[i];
    }

    public void Multiply(Tensor a, Tensor b, Tensor destination)
    {
        var x = CpuData.Read(a).AsSpan();
        var y = CpuData.Read(b).AsSpan();
        var z = CpuData.Span(destination);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= z.Length - 16; i += 16) (Vector512.Create(x[i..]) * Vector512.Create(y[i..])).CopyTo(z[i..]);
        for (; i < z.Length; i++) z[i] = x[i] * y[i];
    }

    public void Broadcast<TOp>(TOp op, Tensor a, Tensor b, Tensor destination) where TOp : struct, IBinaryOp
    {
        var first = StridedLayout.Broadcast(a.Shape, destination.Shape);
        var second = StridedLayout.Broadcast(b.Shape, destination.Shape);
        var x = CpuData.Read(a);
        var y = CpuData.Read(b);
        var z = CpuData.Of(destination);
        int length = first.RowLength;
        if (length == 0) return;
        ForRows(z.Count / length, length, row =>
        {
            int at = row * length, fromA = first.SourceOf(at), fromB = second.SourceOf(at), stepA = first.RowStride, stepB = second.RowStride;
            var output = z.AsSpan(at, length);
            for (int j = 0; j < output.Length; j++) output[j] = op.Apply(x[fromA + j * stepA], y[fromB + j * stepB]);
        });
    }

    public void SumTo(Tensor source, Tensor destination)
    {
        var (kept, reduced) = StridedLayout.SumTo(source.Shape, destination.Shape);
        var x = CpuData.Read(source);
        var y = CpuData.Of(destination);
        int length = reduced.RowLength, step = reduced.RowStride, rows = length == 0 ? 0 : reduced.Count / length;
        ForRows(y.Count, rows * length, j =>
        {
            int start = kept.SourceOf(j);
            double sum = 0;
            for (int r = 0; r < rows; r++)
            {
                int from = start + reduced.SourceOf(r * length);
                for (int k = 0; k < length; k++) sum += x[from + k * step];
            }
            y[j] = (float)sum;
        });
    }

    public void CopyStrided(Tensor source, in StridedLayout layout, Tensor destination)
    {
        layout.Check("CopyStrided", source.Shape, destination.Shape);
        var walk = layout;
        var x = CpuData.Read(source);
        var y = CpuData.Of(destination);
        int length = walk.RowLength, step = walk.RowStride;
        if (length == 0) return;
        ForRows(y.Count / length, length, row =>
        {
            int at = row * length, from = walk.SourceOf(at);
            var output = y.AsSpan(at, length);
            if (step == 1) x.AsSpan(from, length).CopyTo(output);
            else
                for (int j = 0; j < output.Length; j++) output[j] = x[from + j * step];
        });
    }

    /// <summary>A row of W at a time: the kept input row copied once, the padding read element by element.</summary>
    public void BorderPadForward(in BorderPadGeometry geometry, Tensor input, Tensor output)
    {
        geometry.Check("forward", input.Shape, output.Shape);
        var (i, o, b, mode) = (geometry.Input, geometry.Output, geometry.Begin, geometry.Mode);
        var x = CpuData.Read(input);
        var y = CpuData.Of(output);
        ForRows(input.Shape.N * input.Shape.C * o.D * o.H, o.W, row =>
        {
            int h = row % o.H, d = row / o.H % o.D, m = row / (o.H * o.D);
            int from = ((m * i.D + BorderPadGeometry.Source(mode, d, i.D, b.D)) * i.H + BorderPadGeometry.Source(mode, h, i.H, b.H)) * i.W;
            var target = y.AsSpan(row * o.W, o.W);
            x.AsSpan(from, i.W).CopyTo(target.Slice(b.W, i.W));
            for (int w = 0; w < b.W; w++) target[w] = x[from + BorderPadGeometry.Source(mode, w, i.W, b.W)];
            for (int w = b.W + i.W; w < o.W; w++) target[w] = x[from + BorderPadGeometry.Source(mode, w, i.W, b.W)];
        });
    }

    /// <summary>
    /// Each input element gathers the gradients of the output elements that copied it (at most three runs per axis), in
    /// the output's order: no scatter, so the rows of a map are independent.
    /// </summary>
    public void BorderPadBackward(in BorderPadGeometry geometry, Tensor outputGrad, Tensor inputGrad)
    {
        geometry.Check("backward", inputGrad.Shape, outputGrad.Shape);
        var (i, o, b, e, mode) = (geometry.Input, geometry.Output, geometry.Begin, geometry.End, geometry.Mode);
        var dy = CpuData.Read(outputGrad);
        var dx = CpuData.Of(inputGrad);
        ForRows(inputGrad.Shape.N * inputGrad.Shape.C * i.D * i.H, i.W, row =>
        {
            int h = row % i.H, d = row / i.H % i.D, m = row / (i.H * i.D);
            for (int w = 0; w < i.W; w++)
            {
                double sum = 0;
                for (int pd = 0; pd < 3; pd++)
                {
                    int d0 = BorderPadGeometry.PreimageStart(mode, d, pd, i.D, b.D), dn = BorderPadGeometry.PreimageCount(mode, d, pd, i.D, b.D, e.D);
                    for (int od = d0; od < d0 + dn; od++)
                        for (int ph = 0; ph < 3; ph++)
                        {
                            int h0 = BorderPadGeometry.PreimageStart(mode, h, ph, i.H, b.H), hn = BorderPadGeometry.PreimageCount(mode, h, ph, i.H, b.H, e.H);
                            for (int oh = h0; oh < h0 + hn; oh++)
                                for (int pw = 0; pw < 3; pw++)
                                {
                                    int w0 = BorderPadGeometry.PreimageStart(mode, w, pw, i.W, b.W), wn = BorderPadGeometry.PreimageCount(mode, w, pw, i.W, b.W, e.W);
                                    int at = ((m * o.D + od) * o.H + oh) * o.W;
                                    for (int ow = w0; ow < w0 + wn; ow++) sum += dy[at + ow];
                                }
                        }
                }
                dx[row * i.W + w] = (float)sum;
            }
        });
    }

    /// <summary>
    /// body(0) … body(rows - 1), spread over the cores in blocks of about 16K elements (rows of <paramref name="length"/>),
    /// inline when the whole is smaller.
    /// </summary>
    private static void ForRows(int rows, int length, Action<int> body)
    {
        int perBlock = Math.Max(1, (1 << 14) / Math.Max(1, length)), blocks = (rows + perBlock - 1) / perBlock;
        CpuParallel.For(blocks, block =>
        {
            for (int r = block * perBlock, end = Math.Min(rows, r + perBlock); r < end; r++) body(r);
        });
    }

    public void Axpy(float alpha, Tensor x, Tensor y)
    {
        var xs = CpuData.Read(x).AsSpan();
        var ys = CpuData.Span(y);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var a = Vector512.Create(alpha);
            for (; i <= ys.Length - 16; i += 16) (Vector512.Create(ys[i..]) + a * Vector512.Create(xs[i..])).CopyTo(ys[i..]);
        }
        for (; i < ys.Length; i++) ys[i] += alpha * xs[i];
    }

    public void Scale(Tensor x, float alpha)
    {
        var xs = CpuData.Span(x);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var a = Vector512.Create(alpha);
            for (; i <= xs.Length - 16; i += 16) (Vector512.Create(xs[i..]) * a).CopyTo(xs[i..]);
        }
        for (; i < xs.Length; i++) xs[i] *= alpha;
    }

    public void CopyChannels(Tensor source, int sourceChannel, Tensor destination, int destinationChannel, int channels)
    {
        var src = CpuData.Span(source);
        var dst = CpuData.Span(destination);
        int n = source.Shape.N, s = source.Shape.SpatialSize, cs = source.Shape.C, cd = destination.Shape.C;
        for (int i = 0; i < n; i++)
            src.Slice((i * cs + sourceChannel) * s, channels * s).CopyTo(dst.Slice((i * cd + destinationChannel) * s, channels * s));
    }

    public void CopyRegion(Tensor source, Int3 sourceStart, Tensor destination, Int3 destinationStart, Int3 extent)
    {
        var src = CpuData.Span(source);
        var dst = CpuData.Span(destination);
        var (_, sourceH, sourceW) = source.Shape.Spatial3d;
        var (_, destinationH, destinationW) = destination.Shape.Spatial3d;
        int maps = source.Shape.N * source.Shape.C, sourcePlane = source.Shape.SpatialSize, destinationPlane = destination.Shape.SpatialSize;
        for (int m = 0; m < maps; m++)
            for (int z = 0; z < extent.D; z++)
                for (int r = 0; r < extent.H; r++)
                {
                    int from = m * sourcePlane + ((sourceStart.D + z) * sourceH + sourceStart.H + r) * sourceW + sourceStart.W;
                    int to = m * destinationPlane + ((destinationStart.D + z) * destinationH + destinationStart.H + r) * destinationW + destinationStart.W;
                    src.Slice(from, extent.W).CopyTo(dst.Slice(to, extent.W));
                }
    }

    public void AddChannelBias(Tensor bias, Tensor output)
    {
        var b = CpuData.Span(bias);
        var y = CpuData.Span(output);
        int n = output.Shape.N, c = output.Shape.C, s = output.Shape.SpatialSize;
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                foreach (ref float v in y.Slice((i * c + ch) * s, s)) v += b[ch];
    }

    public void AccumulateChannelSums(Tensor input, Tensor sums)
    {
        var x = CpuData.Span(input);
        var total = CpuData.Span(sums);
        int n = input.Shape.N, c = input.Shape.C, s = input.Shape.SpatialSize;
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++)
                foreach (float v in x.Slice((i * c + ch) * s, s)) sum += v;
            total[ch] += (float)sum;
        }
    }

    public void ChannelAffineForward(Tensor input, Tensor scale, Tensor shift, Tensor output)
    {
        var x = CpuData.Span(input);
        var a = CpuData.Span(scale);
        var b = CpuData.Span(shift);
        var y = CpuData.Span(output);
        int n = input.Shape.N, c = input.Shape.C, s = input.Shape.SpatialSize;
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int j = 0, at = (i * c + ch) * s; j < s; j++, at++)
                    y[at] = x[at] * a[ch] + b[ch];
    }

    public void ChannelAffineBackward(Tensor input, Tensor outputGrad, Tensor scale, Tensor inputGrad, Tensor scaleGrad, Tensor shiftGrad)
    {
        var x = CpuData.Span(input);
        var dy = CpuData.Span(outputGrad);
        var a = CpuData.Span(scale);
        var dx = CpuData.Span(inputGrad);
        var da = CpuData.Span(scaleGrad);
        var db = CpuData.Span(shiftGrad);
        int n = input.Shape.N, c = input.Shape.C, s = input.Shape.SpatialSize;
        for (int ch = 0; ch < c; ch++)
        {
            double sumScale = 0, sumShift = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0, at = (i * c + ch) * s; j < s; j++, at++)
                {
                    sumScale += dy[at] * x[at];
                    sumShift += dy[at];
                    dx[at] = dy[at] * a[ch];
                }
            da[ch] += (float)sumScale;
            db[ch] += (float)sumShift;
        }
    }

    public void DropoutMask(Tensor mask, float p, ulong seed, int blockSize)
    {
        var m = CpuData.Span(mask);
        float keep = 1f / (1f - p);
        for (int block = 0; block * blockSize < m.Length; block++)
        {
            float value = RandomStream.Hash(seed, (ulong)block) < p ? 0f : keep;
            m.Slice(block * blockSize, blockSize).Fill(value);
        }
    }

    public double Sum(Tensor x)
    {
        double sum = 0;
        foreach (float v in CpuData.Span(x)) sum += v;
        return sum;
    }
}
