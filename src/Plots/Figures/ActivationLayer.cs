using MlNetConv.Tensors;

namespace MlNetConv.Plots;

/// <summary>One layer's output for one image, (C, H, W) values, for <see cref="ActivationMaps"/>.</summary>
/// <param name="Values">(C, H, W)</param>
/// <param name="Shape">(C, H, W); a dense layer's (C) or (C, 1, 1) draws as C maps of one value</param>
public sealed record ActivationLayer(string Name, float[] Values, Shape Shape);
