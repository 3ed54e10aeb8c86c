using ILGPU;
using ILGPU.Runtime;
using MlNetConv.Backends;
using MlNetConv.Tensors;

namespace MlNetConv.Gpu.Kernels;

/// <summary>
/// Element-wise activations through the same op structs as the CPU backend: one generic kernel per direction,
/// compiled per op type — the built-in ops at construction, any other op on first use.
/// </summary>
internal sealed class GpuActivationKernels : IActivationKernels
{
    private readonly GpuBackend _b;
    private readonly Dictionary<Type, (Delegate Forward, Delegate Backward)> _kernels = [];

    public GpuActivationKernels(GpuBackend backend)
    {
        _b = backend;
        Load<ReluOp>();
        Load<LeakyReluOp>();
        Load<TanhOp>();
        Load<ScaledTanhOp>();
        Load<SigmoidOp>();
    }

    public void Forward<TOp>(TOp op, Tensor input, Tensor output) where TOp : struct, IActivationOp
    {
        if (input.Size != output.Size) throw new ArgumentException($"Activation: input {input.Shape} and output {output.Shape} differ in size.");
        var kernel = (Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, TOp>)Load<TOp>().Forward;
        _b.Bind();
        int n = input.Size, t = _b.Threads(n);
        if (n > 0) kernel(t, n, t, GpuData.Of(input), GpuData.Of(output), op);
    }

    public void Backward<TOp>(TOp op, Tensor input, Tensor output, Tensor outputGrad, Tensor inputGrad) where TOp : struct, IActivationOp
    {
        if (input.Size != output.Size || input.Size != outputGrad.Size || input.Size != inputGrad.Size)
            throw new ArgumentException($"Activation backward: input {input.Shape}, output {output.Shape}, gradients {outputGrad.Shape} and {inputGrad.Shape} differ in size.");
        var kernel = (Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, TOp>)Load<TOp>().Backward;
        _b.Bind();
        int n = input.Size, t = _b.Threads(n);
        if (n > 0) kernel(t, n, t, GpuData.Of(input), GpuData.Of(output), GpuData.Of(outputGrad), GpuData.Of(inputGrad), op);
    }

    private (Delegate Forward, Delegate Backward) Load<TOp>() where TOp : struct, IActivationOp
    {
        lock (_kernels)
        {
            if (!_kernels.TryGetValue(typeof(TOp), out var pair))
            {
                _b.Bind();
                var a = _b.Accelerator;
                pair = (a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, TOp>(ForwardKernel),
                    a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, TOp>(BackwardKernel));
                _kernels[typeof(TOp)] = pair;
            }
            return pair;
        }
    }

    private static void ForwardKernel<TOp>(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> y, TOp op) where TOp : struct, IActivationOp
    {
        for (int i = t; i < n; i += stride) y[i] = op.Forward(x[i]);
    }

    private static void BackwardKernel<TOp>(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> y, ArrayView<float> dy,
        ArrayView<float> dx, TOp op) where TOp : struct, IActivationOp
    {
        for (int i = t; i < n; i += stride) dx[i] = op.Backward(x[i], y[i], dy[i]);
    }
}
