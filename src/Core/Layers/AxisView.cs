using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// A tensor seen with one axis as its channel axis: (d0, ..., dk) as (d0·…·d(dim-1), d_dim, d(dim+1)·…·dk), a view, so
/// that the backends' channel copies (<see cref="Backends.IElementwiseKernels.CopyChannels"/>) select along any axis.
/// </summary>
internal static class AxisView
{
    /// <param name="tensor">(d0, ..., dk)</param>
    /// <param name="dim">the axis, 1..k</param>
    public static Tensor Of(Tensor tensor, int dim)
    {
        var shape = tensor.Shape;
        int outer = 1, inner = 1;
        for (int k = 0; k < dim; k++) outer *= shape[k];
        for (int k = dim + 1; k < shape.Rank; k++) inner *= shape[k];
        return tensor.Reshape(new Shape(outer, shape[dim], inner));
    }

    /// <summary>Throws, naming the layer, unless <paramref name="dim"/> is an axis of <paramref name="input"/> after the batch.</summary>
    public static void Check(Shape input, int dim, string layer)
    {
        if (dim < 1 || dim >= input.Rank)
            throw new ArgumentException($"{layer}: dim {dim} is not an axis of {input} after the batch (1..{input.Rank - 1}).");
    }
}
