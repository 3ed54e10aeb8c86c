using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Element-wise kernels one value at a time with explicit (n, c, position) indices, sums in double: the reference of
/// <see cref="CpuElementwiseKernels"/>.
/// </summary>
internal sealed class CpuReferenceElementwiseKernels : IElementwiseKernels
{
    public void Fill(Tensor destination, float value)
    {
        var y = CpuData.Span(destination);
        for (int i = 0; i < y.Length; i++) y[i] = value;
    }

    public void Copy(Tensor source, Tensor destination)
    {
        ReadOnlySpan<float> x = CpuData.Read(source);
        var y = CpuData.Span(destination); // like source
        for (int i = 0; i < x.Length; i++) y[i] = x[i];
    }

    public void Add(Tensor a, Tensor b, Tensor destination)
    {
        ReadOnlySpan<float> x = CpuData.Read(a);
        ReadOnlySpan<float> y = CpuData.Read(b);           // like a
        var z = CpuData.Span(destination); // like a
        for (int i = 0; i < z.Length; i++) z[i] = x[i] + y[i];
    }

    public void Multiply(Tensor a, Tensor b, Tensor destination)
    {
        ReadOnlySpan<float> x = CpuData.Read(a);
        ReadOnlySpan<float> y = CpuData.Read(b);           // like a
        var z = CpuData.Span(destination); // like a
        for (int i = 0; i < z.Length; i++) z[i] = x[i] * y[i];
    }

    public void Broadcast<TOp>(TOp op, Tensor a, Tensor b, Tensor destination) where TOp : struct, IBinaryOp
    {
        var first = StridedLayout.Broadcast(a.Shape, destination.Shape);
        var second = StridedLayout.Broadcast(b.Shape, destination.Shape);
        ReadOnlySpan<float> x = CpuData.Read(a);     // broadcasts to destination
        ReadOnlySpan<float> y = CpuData.Read(b);     // broadcasts to destination
        var z = CpuData.Span(destination);
        for (int i = 0; i < z.Length; i++) z[i] = op.Apply(x[first.SourceOf(i)], y[second.SourceOf(i)]);
    }

    /// <summary>Every source element added to its destination element's double sum, in the source's order; rounded once.</summary>
    public void SumTo(Tensor source, Tensor destination)
    {
        StridedLayout.SumTo(source.Shape, destination.Shape);
        ReadOnlySpan<float> x = CpuData.Read(source);
        var y = CpuData.Span(destination);    // broadcasts to source
        var into = StridedLayout.Broadcast(destination.Shape, source.Shape);
        var sums = new double[y.Length];
        for (int i = 0; i < x.Length; i++) sums[into.SourceOf(i)] += x[i];
        for (int j = 0; j < y.Length; j++) y[j] = (float)sums[j];
    }

    public void CopyStrided(Tensor source, in StridedLayout layout, Tensor destination)
    {
        layout.Check("CopyStrided", source.Shape, destination.Shape);
        ReadOnlySpan<float> x = CpuData.Read(source);
        var y = CpuData.Span(destination);
        for (int i = 0; i < y.Length; i++) y[i] = x[layout.SourceOf(i)];
    }

    public void BorderPadForward(in BorderPadGeometry geometry, Tensor input, Tensor output)
    {
        geometry.Check("forward", input.Shape, output.Shape);
        ReadOnlySpan<float> x = CpuData.Read(input);  // (N, C, D, H, W) of geometry.Input
        var y = CpuData.Span(output);                  // (N, C, D', H', W') of geometry.Output
        foreach (var (to, from) in Copies(geometry, input.Shape.N * input.Shape.C)) y[to] = x[from];
    }

    /// <summary>Every output gradient added to the double sum of the input element it copied, in the output's order; rounded once.</summary>
    public void BorderPadBackward(in BorderPadGeometry geometry, Tensor outputGrad, Tensor inputGrad)
    {
        geometry.Check("backward", inputGrad.Shape, outputGrad.Shape);
        ReadOnlySpan<float> dy = CpuData.Read(outputGrad);
        var dx = CpuData.Span(inputGrad);
        var sums = new double[dx.Length];
        foreach (var (to, from) in Copies(geometry, inputGrad.Shape.N * inputGrad.Shape.C)) sums[from] += dy[to];
        for (int k = 0; k < dx.Length; k++) dx[k] = (float)sums[k];
    }

    /// <summary>For every output element of a border pad, in order: its index and the index of the input element it copies.</summary>
    private static IEnumerable<(int To, int From)> Copies(BorderPadGeometry geometry, int maps)
    {
        var (i, o, b, mode) = (geometry.Input, geometry.Output, geometry.Begin, geometry.Mode);
        for (int m = 0; m < maps; m++)
            for (int d = 0; d < o.D; d++)
                for (int h = 0; h < o.H; h++)
                    for (int w = 0; w < o.W; w++)
                    {
                        int sd = BorderPadGeometry.Source(mode, d, i.D, b.D), sh = BorderPadGeometry.Source(mode, h, i.H, b.H), sw = BorderPadGeometry.Source(mode, w, i.W, b.W);
                        yield return (((m * o.D + d) * o.H + h) * o.W + w, ((m * i.D + sd) * i.H + sh) * i.W + sw);
                    }
    }

    public void Axpy(float alpha, Tensor x, Tensor y)
    {
        ReadOnlySpan<float> xs = CpuData.Read(x);
        var ys = CpuData.Span(y); // like x
        for (int i = 0; i < ys.Length; i++) ys[i] += alpha * xs[i];
    }

    public void Scale(Tensor x, float alpha)
    {
        var xs = CpuData.Span(x);
        for (int i = 0; i < xs.Length; i++) xs[i] *= alpha;
    }

    public void CopyChannels(Tensor source, int sourceChannel, Tensor destination, int destinationChannel, int channels)
    {
        ReadOnlySpan<float> src = CpuData.Read(source);      // (N, Cs, S)
        var dst = CpuData.Span(destination); // (N, Cd, S)
        int n = source.Shape.N, s = source.Shape.SpatialSize, cs = source.Shape.C, cd = destination.Shape.C;
        for (int i = 0; i < n; i++)
            for (int c = 0; c < channels; c++)
                for (int j = 0; j < s; j++)
                    dst[(i * cd + destinationChannel + c) * s + j] = src[(i * cs + sourceChannel + c) * s + j];
    }

    public void CopyRegion(Tensor source, Int3 sourceStart, Tensor destination, Int3 destinationStart, Int3 extent)
    {
        ReadOnlySpan<float> src = CpuData.Read(source);      // (N, C, spatial...)
        var dst = CpuData.Span(destination); // (N, C, spatial...)
        var (sourceD, sourceH, sourceW) = source.Shape.Spatial3d;
        var (destinationD, destinationH, destinationW) = destination.Shape.Spatial3d;
        int maps = source.Shape.N * source.Shape.C;
        for (int m = 0; m < maps; m++)
            for (int z = 0; z < extent.D; z++)
                for (int r = 0; r < extent.H; r++)
                    for (int q = 0; q < extent.W; q++)
                    {
                        int from = ((m * sourceD + sourceStart.D + z) * sourceH + sourceStart.H + r) * sourceW + sourceStart.W + q;
                        int to = ((m * destinationD + destinationStart.D + z) * destinationH + destinationStart.H + r) * destinationW + destinationStart.W + q;
                        dst[to] = src[from];
                    }
    }

    public void AddChannelBias(Tensor bias, Tensor output)
    {
        ReadOnlySpan<float> b = CpuData.Read(bias);   // (C)
        var y = CpuData.Span(output); // (N, C, S)
        int n = output.Shape.N, c = output.Shape.C, s = output.Shape.SpatialSize;
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int j = 0; j < s; j++)
                    y[(i * c + ch) * s + j] += b[ch];
    }

    public void AccumulateChannelSums(Tensor input, Tensor sums)
    {
        ReadOnlySpan<float> x = CpuData.Read(input);     // (N, C, S)
        var total = CpuData.Span(sums);  // (C)
        int n = input.Shape.N, c = input.Shape.C, s = input.Shape.SpatialSize;
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < s; j++)
                    sum += x[(i * c + ch) * s + j];
            total[ch] += (float)sum;
        }
    }

    public void ChannelAffineForward(Tensor input, Tensor scale, Tensor shift, Tensor output)
    {
        ReadOnlySpan<float> x = CpuData.Read(input);  // (N, C, S)
        ReadOnlySpan<float> a = CpuData.Read(scale);  // (C)
        ReadOnlySpan<float> b = CpuData.Read(shift);  // (C)
        var y = CpuData.Span(output); // (N, C, S)
        int n = input.Shape.N, c = input.Shape.C, s = input.Shape.SpatialSize;
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int j = 0; j < s; j++)
                {
                    int at = (i * c + ch) * s + j;
                    y[at] = x[at] * a[ch] + b[ch];
                }
    }

    public void ChannelAffineBackward(Tensor input, Tensor outputGrad, Tensor scale, Tensor inputGrad, Tensor scaleGrad, Tensor shiftGrad)
    {
        ReadOnlySpan<float> x = CpuData.Read(input);       // (N, C, S)
        ReadOnlySpan<float> dy = CpuData.Read(outputGrad); // (N, C, S)
        ReadOnlySpan<float> a = CpuData.Read(scale);       // (C)
        var dx = CpuData.Span(inputGrad);  // (N, C, S)
        var da = CpuData.Span(scaleGrad);  // (C)
        var db = CpuData.Span(shiftGrad);  // (C)
        int n = input.Shape.N, c = input.Shape.C, s = input.Shape.SpatialSize;
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int j = 0; j < s; j++)
                {
                    int at = (i * c + ch) * s + j;
                    dx[at] = dy[at] * a[ch];
                }
        for (int ch = 0; ch < c; ch++)
        {
            double sumScale = 0, sumShift = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < s; j++)
                {
                    int at = (i * c + ch) * s + j;
                    sumScale += (double)dy[at] * x[at];
                    sumShift += dy[at];
                }
            da[ch] += (float)sumScale;
            db[ch] += (float)sumShift;
        }
    }

    public void DropoutMask(Tensor mask, float p, ulong seed, int blockSize)
    {
        var m = CpuData.Span(mask);
        float keep = 1f / (1f - p);
        for (int i = 0; i < m.Length; i++)
            m[i] = RandomStream.Hash(seed, (ulong)(i / blockSize)) < p ? 0f : keep;
    }

    public double Sum(Tensor x)
    {
        ReadOnlySpan<float> xs = CpuData.Read(x);
        double sum = 0;
        for (int i = 0; i < xs.Length; i++) sum += xs[i];
        return sum;
    }
}
