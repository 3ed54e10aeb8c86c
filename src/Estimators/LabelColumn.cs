using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Estimators;

/// <summary>How a row's label becomes the engine's integer targets: one class per row, or one per pixel.</summary>
internal abstract class LabelColumn(string name)
{
    public string Name { get; } = name;

    /// <summary>Targets per row: 1 for a class, H·W for a mask.</summary>
    public abstract int LabelsPerSample { get; }

    /// <summary>A reader of the current row's targets; it throws <see cref="BadRowException"/> for a missing or invalid label.</summary>
    public abstract Action<Span<int>> Reader(DataViewRow row, string role);
}

/// <summary>A UInt32 key (1..K; 0 = missing), stored 0-based.</summary>
internal sealed class KeyLabelColumn(string name) : LabelColumn(name)
{
    public override int LabelsPerSample => 1;

    public override Action<Span<int>> Reader(DataViewRow row, string role)
    {
        var getter = row.GetGetter<uint>(row.Schema[Name]);
        uint key = 0;
        return labels =>
        {
            getter(ref key);
            if (key == 0) throw new BadRowException(role, row.Position, Name, null, "the label is missing (key value 0)");
            labels[0] = (int)key - 1;
        };
    }
}

/// <summary>
/// A mask: a known-size numeric vector of H·W class indices (e.g. a grey mask image through ExtractPixels with
/// colorsToExtract: Red and no scaling). Values 0..classes-1 are classes; <paramref name="ignoreLabel"/> marks pixels
/// the loss and metrics skip (stored as <paramref name="ignoreIndex"/>); anything else is a bad row.
/// </summary>
internal sealed class MaskLabelColumn(string name, int height, int width, int classes, int? ignoreLabel, int ignoreIndex) : LabelColumn(name)
{
    public override int LabelsPerSample => height * width;

    public static void Check(DataViewSchema schema, string name, int height, int width)
    {
        var column = FeatureColumn.Find(schema, name, "mask");
        if (column.Type is not VectorDataViewType { IsKnownSize: true } vector || vector.Size != height * width
            || !(vector.ItemType == NumberDataViewType.Single || vector.ItemType == NumberDataViewType.Byte || vector.ItemType == NumberDataViewType.UInt32))
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"ConvNet: mask column '{name}' must be a vector of {height}x{width} = {height * width} class indices (Single, Byte or UInt32), got {column.Type}; " +
                "for a mask image use ExtractPixels with colorsToExtract: ColorBits.Red.");
    }

    public override Action<Span<int>> Reader(DataViewRow row, string role)
    {
        var column = row.Schema[Name];
        var type = ((VectorDataViewType)column.Type).ItemType;
        var read = type == NumberDataViewType.Single ? Dense<float>(row, column, v => v)
            : type == NumberDataViewType.Byte ? Dense<byte>(row, column, v => v)
            : Dense<uint>(row, column, v => v);
        return labels =>
        {
            var values = read();
            for (int i = 0; i < values.Length; i++)
            {
                float value = values[i];
                if (ignoreLabel is { } ignore && value == ignore) labels[i] = ignoreIndex;
                else if (value >= 0 && value < classes && value == MathF.Floor(value)) labels[i] = (int)value;
                else throw new BadRowException(role, row.Position, Name, null,
                    $"pixel (y {i / width}, x {i % width}) has label {value}, expected a class 0..{classes - 1}{(ignoreLabel is { } ig ? $" or the ignore label {ig}" : "")}");
            }
        };
    }

    private static Func<float[]> Dense<T>(DataViewRow row, DataViewSchema.Column column, Func<T, float> convert)
    {
        var getter = row.GetGetter<VBuffer<T>>(column);
        VBuffer<T> buffer = default;
        float[] dense = [];
        return () =>
        {
            getter(ref buffer);
            if (dense.Length != buffer.Length) dense = new float[buffer.Length];
            int i = 0;
            foreach (var v in buffer.DenseValues()) dense[i++] = convert(v);
            return dense;
        };
    }
}
