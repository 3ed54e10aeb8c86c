using System.Runtime.CompilerServices;
using MlNetConv.Backends.Cpu.Gemm;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Layer weights packed for the forward GEMM, kept with the weight tensor and packed again only when the tensor's buffer
/// was written since (<see cref="TensorBuffer.Version"/>): inference packs each layer once, not on every call (ONNX
/// Runtime's prepacking); training, whose optimizer writes the weights every step, packs as before. Forms: a
/// convolution's per-group (GroupOut, Rows) matrix W in the micro-kernel's A panels, or Wᵀ in its B panels for the
/// <see cref="CpuForwardLayout.PositionRows"/> layout (a connection table first spread to its dense matrix); a dense
/// layer's (out, in) W as the B panels of Wᵀ.
/// </summary>
internal sealed unsafe class CpuPackedWeights
{
    private static readonly ConditionalWeakTable<Tensor, CpuPackedWeights> Cache = new();

    private float[] _array = [];
    private float* _pointer;
    private long _version = -1;
    private GemmIsa _isa;
    private int _kind = -1;
    private object? _geometry;

    /// <summary>The <see cref="_kind"/> of a dense layer's packing; a convolution's is its <see cref="CpuForwardLayout"/>.</summary>
    private const int DenseKind = 100;

    /// <summary>Floats of one group's packed convolution matrix; group g starts at g times this.</summary>
    public static int GroupLength(GemmIsa isa, CpuConvolutionPlan plan, CpuForwardLayout layout) => layout switch
    {
        CpuForwardLayout.PositionRows => Sgemm.PackedBLength(isa, plan.Rows, plan.GroupOut),
        CpuForwardLayout.Winograd => CpuWinograd.PackedGroupLength(isa, plan),
        _ => Sgemm.PackedALength(isa, plan.GroupOut, plan.Rows),
    };

    /// <summary>A convolution's packed weights, valid until the tensor is next written or collected.</summary>
    /// <param name="weight">(Cout, Cin/g, kernel...) or a connection table's (Connections, kernel...)</param>
    public static float* ForConvolution(GemmIsa isa, CpuConvolutionPlan plan, CpuForwardLayout layout, Tensor weight)
    {
        var entry = Cache.GetValue(weight, static _ => new CpuPackedWeights());
        lock (entry)
        {
            if (entry.Claim(weight, isa, (int)layout, plan.Geometry)) entry.PackConvolution(isa, plan, layout, weight);
            return entry._pointer;
        }
    }

    /// <summary>Most floats of a dense layer's packed copy (16 MB): VGG's 100 M-weight layers are packed per call instead.</summary>
    internal const long DenseBudget = 4L << 20;

    /// <summary>
    /// A dense layer's Wᵀ in B panels (in x out), valid until the tensor is next written or collected; null for a layer
    /// larger than <see cref="DenseBudget"/>, whose copy would double the model's memory.
    /// </summary>
    /// <param name="weight">(out, in)</param>
    public static float* ForDense(GemmIsa isa, Tensor weight)
    {
        int outSize = weight.Shape[0], inSize = weight.Shape[1];
        if ((long)outSize * inSize > DenseBudget) return null;
        var entry = Cache.GetValue(weight, static _ => new CpuPackedWeights());
        lock (entry)
        {
            if (entry.Claim(weight, isa, DenseKind, null))
            {
                entry.Reserve(Sgemm.PackedBLength(isa, inSize, outSize));
                fixed (float* w = CpuData.Read(weight).AsSpan()) Sgemm.PackB(isa, true, w, inSize, inSize, outSize, entry._pointer);
            }
            return entry._pointer;
        }
    }

    /// <summary>
    /// Under the entry's lock: true when it holds another packing or older values, and then records this one, which the
    /// caller writes before it releases the lock.
    /// </summary>
    private bool Claim(Tensor weight, GemmIsa isa, int kind, object? geometry)
    {
        long version = weight.Buffer.Version;
        if (_version == version && _isa == isa && _kind == kind && ReferenceEquals(_geometry, geometry)) return false;
        (_version, _isa, _kind, _geometry) = (version, isa, kind, geometry);
        return true;
    }

    private void Reserve(int length)
    {
        if (_array.Length >= length) return;
        _array = GC.AllocateUninitializedArray<float>(Math.Max(1, length), pinned: true);
        _pointer = (float*)Unsafe.AsPointer(ref _array[0]);
    }

    private void PackConvolution(GemmIsa isa, CpuConvolutionPlan plan, CpuForwardLayout layout, Tensor weight)
    {
        var g = plan.Geometry;
        int groupLength = GroupLength(isa, plan, layout);
        Reserve(g.Groups * groupLength);
        var dense = plan.ExpandsTable ? CpuScratch.Rent(g.OutChannels * plan.Rows) : null;
        try
        {
            fixed (float* table = CpuData.Read(weight).AsSpan())
            {
                float* w = dense is null ? table : CpuConvolutionKernels.ExpandTable(plan, table, dense.Pointer);
                for (int group = 0; group < g.Groups; group++)
                {
                    float* source = w + (nint)group * plan.GroupOut * plan.Rows, target = _pointer + (nint)group * groupLength;
                    if (layout == CpuForwardLayout.PositionRows) Sgemm.PackB(isa, true, source, plan.Rows, plan.Rows, plan.GroupOut, target);
                    else if (layout == CpuForwardLayout.Winograd) CpuWinograd.PackWeights(isa, plan, source, target);
                    else Sgemm.PackA(isa, false, source, plan.Rows, plan.GroupOut, plan.Rows, target);
                }
            }
        }
        finally
        {
            if (dense is not null) CpuScratch.Return(dense);
        }
    }
}
