using MlNetConv.Geometry;

namespace MlNetConv.Layers;

/// <summary>Replication padding (PyTorch's ReplicationPad1d/2d/3d, ONNX's Pad in edge mode): the edge value repeated.</summary>
public sealed class ReplicationPad(int[] begin, int[] end, string? name = null) : BorderPad(begin, end, BorderMode.Replicate, name);
