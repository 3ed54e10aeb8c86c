using MlNetConv.Tensors;

namespace MlNetConv.Backends;

/// <summary>Buffer reuse across steps: activations, gradients and scratch tensors keep their memory while the shape holds.</summary>
public static class BackendExtensions
{
    /// <summary>The cached tensor if it has this shape, else a new one (the old one is released).</summary>
    public static Tensor Reuse(this IBackend backend, ref Tensor? cache, Shape shape)
    {
        if (cache is null || cache.Shape != shape)
        {
            cache?.Dispose();
            cache = backend.Allocate(shape);
        }
        return cache;
    }

    /// <summary>The cached index tensor if it has this shape, else a new one.</summary>
    public static IndexTensor Reuse(this IBackend backend, ref IndexTensor? cache, Shape shape)
    {
        if (cache is null || cache.Shape != shape)
        {
            cache?.Dispose();
            cache = backend.AllocateIndices(shape);
        }
        return cache;
    }
}
