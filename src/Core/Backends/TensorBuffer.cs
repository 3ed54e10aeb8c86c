namespace MlNetConv.Backends;

/// <summary>Backend-owned float32 storage. Each backend subclasses it (a managed array, device memory).</summary>
public abstract class TensorBuffer : IDisposable
{
    public abstract int Length { get; }

    /// <summary>
    /// Changes whenever a kernel may have written the buffer: the CPU backend counts every writable access, so a value
    /// derived from the data (such as convolution weights packed for the GEMM) stays valid while the count is unchanged.
    /// </summary>
    internal long Version;
    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>Backend-owned int32 storage (labels, pooling indices).</summary>
public abstract class IndexBuffer : IDisposable
{
    public abstract int Length { get; }
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
