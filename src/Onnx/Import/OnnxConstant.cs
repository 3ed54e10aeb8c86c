using Onnx;

namespace MlNetConv.Onnx.Import;

/// <summary>
/// A tensor whose values are known at import: an initializer, a <c>Constant</c> node, or what shape arithmetic computes
/// from them and from the fixed input shape. Floating-point types hold their values in <see cref="Reals"/> (float32 values
/// exactly), integer and boolean types in <see cref="Integers"/> (int64 exactly, which doubles would not be: Slice's
/// INT64_MAX ends).
/// </summary>
internal sealed class OnnxConstant
{
    public OnnxConstant(long[] dims, int dataType, double[]? reals, long[]? integers)
    {
        Dims = dims;
        DataType = dataType;
        Reals = reals;
        Integers = integers;
    }

    public long[] Dims { get; }

    /// <summary>ONNX's TensorProto.DataType code.</summary>
    public int DataType { get; }

    public double[]? Reals { get; }
    public long[]? Integers { get; }
    public int Rank => Dims.Length;
    public int Count => Reals?.Length ?? Integers!.Length;
    public bool IsReal => Reals is not null;

    public static OnnxConstant Real(long[] dims, double[] values, int dataType = (int)TensorProto.Types.DataType.Float) => new(dims, dataType, values, null);
    public static OnnxConstant Integer(long[] dims, long[] values, int dataType = (int)TensorProto.Types.DataType.Int64) => new(dims, dataType, null, values);
    public static OnnxConstant Bool(long[] dims, long[] values) => new(dims, (int)TensorProto.Types.DataType.Bool, null, values);

    public static bool IsFloating(int dataType) => dataType is (int)TensorProto.Types.DataType.Float or (int)TensorProto.Types.DataType.Double
        or (int)TensorProto.Types.DataType.Float16 or (int)TensorProto.Types.DataType.Bfloat16;

    public double RealAt(int i) => Reals is not null ? Reals[i] : Integers![i];
    public long IntegerAt(int i) => Integers is not null ? Integers[i] : checked((long)Reals![i]);

    public double[] AsReals() => Reals ?? Integers!.Select(v => (double)v).ToArray();
    public long[] AsIntegers() => Integers ?? Reals!.Select(v => checked((long)v)).ToArray();
    public float[] AsFloats() => Reals is not null ? Reals.Select(v => (float)v).ToArray() : Integers!.Select(v => (float)v).ToArray();

    public override string ToString() => $"[{string.Join(", ", Dims)}] of type {DataType}";
}
