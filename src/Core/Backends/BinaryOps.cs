namespace MlNetConv.Backends;

/// <summary>
/// One element-wise function of two values, for <see cref="IElementwiseKernels.Broadcast{TOp}"/>: one struct per
/// function, so that the CPU loops and a GPU kernel share the same math.
/// </summary>
public interface IBinaryOp
{
    float Apply(float a, float b);
}

/// <summary>a + b.</summary>
public readonly struct AddOp : IBinaryOp
{
    public float Apply(float a, float b) => a + b;
}

/// <summary>a · b.</summary>
public readonly struct MultiplyOp : IBinaryOp
{
    public float Apply(float a, float b) => a * b;
}
