namespace MlNetConv.Backends;

/// <summary>Backend-owned float32 storage. Each backend subclasses it (a managed array, device memory).</summary>
public abstract class TensorBuffer : IDisposable
{
    public abstract int Length { get; }
    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>Backend-owned int32 storage (labels, pooling indices).</summary>
public abstract class IndexBuffer : IDisposable
{
    public abstract int Length { get; }
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
