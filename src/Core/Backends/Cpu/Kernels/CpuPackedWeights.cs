using System.Runtime.CompilerServices;
using MlNetConv.Backends.Cpu.Gemm;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// A convolution's weights packed for the forward GEMM (each group's (GroupOut, Rows) matrix W in the micro-kernel's A
/// panels, or Wᵀ in its B panels for the <see cref="CpuForwardLayout.PositionRows"/> layout; a connection table first
/// spread to its dense matrix), kept with the weight tensor and packed again only when
/// the tensor's buffer was written since (<see cref="TensorBuffer.Version"/>): inference packs each layer once, not on
/// every call (ONNX Runtime's prepacking); training, whose optimizer writes the weights every step, packs as before.
/// </summary>
internal sealed unsafe class CpuPackedWeights
{
    private static readonly ConditionalWeakTable<Tensor, CpuPackedWeights> Cache = new();

    private float[] _array = [];
    private float* _pointer;
    private long _version = -1;
    private GemmIsa _isa;
    private CpuForwardLayout _layout;
    private ConvGeometry? _geometry;

    /// <summary>Floats of one group's packed matrix; group g starts at g times this.</summary>
    public static int GroupLength(GemmIsa isa, CpuConvolutionPlan plan, CpuForwardLayout layout) => layout == CpuForwardLayout.ChannelRows
        ? Sgemm.PackedALength(isa, plan.GroupOut, plan.Rows)
        : Sgemm.PackedBLength(isa, plan.Rows, plan.GroupOut);

    /// <summary>The packed weights of <paramref name="weight"/>, valid until the tensor is next written or collected.</summary>
    /// <param name="weight">(Cout, Cin/g, kernel...) or a connection table's (Connections, kernel...)</param>
    public static float* For(GemmIsa isa, CpuConvolutionPlan plan, CpuForwardLayout layout, Tensor weight)
    {
        var entry = Cache.GetValue(weight, _ => new CpuPackedWeights());
        lock (entry)
        {
            long version = weight.Buffer.Version;
            if (entry._version != version || entry._isa != isa || entry._layout != layout || !ReferenceEquals(entry._geometry, plan.Geometry))
            {
                entry.Pack(isa, plan, layout, weight);
                (entry._version, entry._isa, entry._layout, entry._geometry) = (version, isa, layout, plan.Geometry);
            }
            return entry._pointer;
        }
    }

    private void Pack(GemmIsa isa, CpuConvolutionPlan plan, CpuForwardLayout layout, Tensor weight)
    {
        var g = plan.Geometry;
        int groupLength = GroupLength(isa, plan, layout), length = g.Groups * groupLength;
        if (_array.Length < length)
        {
            _array = GC.AllocateUninitializedArray<float>(length, pinned: true);
            _pointer = (float*)Unsafe.AsPointer(ref _array[0]);
        }
        var dense = plan.ExpandsTable ? CpuScratch.Rent(g.OutChannels * plan.Rows) : null;
        try
        {
            fixed (float* table = CpuData.Read(weight).AsSpan())
            {
                float* w = dense is null ? table : CpuConvolutionKernels.ExpandTable(plan, table, dense.Pointer);
                for (int group = 0; group < g.Groups; group++)
                {
                    float* source = w + (nint)group * plan.GroupOut * plan.Rows, target = _pointer + (nint)group * groupLength;
                    if (layout == CpuForwardLayout.ChannelRows) Sgemm.PackA(isa, false, source, plan.Rows, plan.GroupOut, plan.Rows, target);
                    else Sgemm.PackB(isa, true, source, plan.Rows, plan.Rows, plan.GroupOut, target);
                }
            }
        }
        finally
        {
            if (dense is not null) CpuScratch.Return(dense);
        }
    }
}
