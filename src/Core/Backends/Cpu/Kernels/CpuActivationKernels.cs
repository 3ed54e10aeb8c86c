using System.Runtime.Intrinsics;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// The CPU backend's activations: ReLU, the one in every modern network, in vector lanes and over both cores for large
/// tensors; the others one element at a time as in the reference (<see cref="CpuReferenceActivationKernels"/>).
/// </summary>
internal sealed class CpuActivationKernels : CpuReferenceActivationKernels
{
    /// <summary>Elements per parallel block: below two blocks a tensor is done on the calling thread.</summary>
    private const int Block = 1 << 16;

    public override void Forward<TOp>(TOp op, Tensor input, Tensor output)
    {
        if (typeof(TOp) != typeof(ReluOp))
        {
            base.Forward(op, input, output);
            return;
        }
        var x = CpuData.Of(input);
        var y = CpuData.Of(output);
        Blocks(x.Count, (start, length) => ReluForward(x.AsSpan(start, length), y.AsSpan(start, length)));
    }

    public override void Backward<TOp>(TOp op, Tensor input, Tensor output, Tensor outputGrad, Tensor inputGrad)
    {
        if (typeof(TOp) != typeof(ReluOp))
        {
            base.Backward(op, input, output, outputGrad, inputGrad);
            return;
        }
        var x = CpuData.Of(input);
        var dy = CpuData.Of(outputGrad);
        var dx = CpuData.Of(inputGrad);
        Blocks(x.Count, (start, length) => ReluBackward(x.AsSpan(start, length), dy.AsSpan(start, length), dx.AsSpan(start, length)));
    }

    /// <summary>y = x &lt; 0 ? 0 : x as in <see cref="ReluOp.Forward"/>: x with the lanes where x &lt; 0 cleared, so NaN and -0 pass.</summary>
    private static void ReluForward(ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var v = Vector512.Create(x[i..]);
                Vector512.AndNot(v, Vector512.LessThan(v, Vector512<float>.Zero)).CopyTo(y[i..]);
            }
        else if (Vector256.IsHardwareAccelerated)
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.Create(x[i..]);
                Vector256.AndNot(v, Vector256.LessThan(v, Vector256<float>.Zero)).CopyTo(y[i..]);
            }
        for (; i < x.Length; i++) y[i] = default(ReluOp).Forward(x[i]);
    }

    /// <summary>dx = dy where x > 0, else 0 (NaN in x gives 0, as in <see cref="ReluOp.Backward"/>).</summary>
    private static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var positive = Vector512.GreaterThan(Vector512.Create(x[i..]), Vector512<float>.Zero);
                (positive & Vector512.Create(dy[i..])).CopyTo(dx[i..]);
            }
        else if (Vector256.IsHardwareAccelerated)
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var positive = Vector256.GreaterThan(Vector256.Create(x[i..]), Vector256<float>.Zero);
                (positive & Vector256.Create(dy[i..])).CopyTo(dx[i..]);
            }
        for (; i < x.Length; i++) dx[i] = default(ReluOp).Backward(x[i], 0f, dy[i]);
    }

    /// <summary>Runs <paramref name="body"/>(start, length) over [0, count) in blocks, in parallel when there are several.</summary>
    private static void Blocks(int count, Action<int, int> body)
    {
        int blocks = (count + Block - 1) / Block;
        if (blocks <= 1) body(0, count);
        else CpuParallel.For(blocks, b => body(b * Block, Math.Min(Block, count - b * Block)));
    }
}
