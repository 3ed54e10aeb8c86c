using MlNetConv.Geometry;

namespace MlNetConv.Layers;

/// <summary>
/// Reflection padding (PyTorch's ReflectionPad1d/2d/3d, ONNX's Pad in reflect mode): the input mirrored at its edge,
/// the edge not repeated, so every pad must be smaller than the extent it mirrors.
/// </summary>
public sealed class ReflectionPad(int[] begin, int[] end, string? name = null) : BorderPad(begin, end, BorderMode.Reflect, name);
