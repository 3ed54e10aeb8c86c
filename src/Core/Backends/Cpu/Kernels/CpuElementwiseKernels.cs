using System.Runtime.Intrinsics;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Element-wise kernels; sums, products and axpy 16 values at a time in Vector512 lanes where the machine has them, each
/// lane the scalar loop's operations in its order (no fused multiply-adds), so the same bits.
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
