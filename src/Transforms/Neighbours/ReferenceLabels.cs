using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Transforms;

/// <summary>
/// The label of every reference row, of the label column's own type (a key, a number, a boolean or text), so that the
/// neighbours' labels come out as the labels went in; and an integer code per distinct label for the index.
/// </summary>
internal abstract class ReferenceLabels
{
    protected ReferenceLabels(DataViewSchema.Column column) => Column = column;

    /// <summary>The reference's label column.</summary>
    public DataViewSchema.Column Column { get; }

    /// <summary>(n) per reference row, the position of its label among the distinct labels in order of appearance.</summary>
    public abstract int[] Codes { get; }

    /// <summary>Reads the label of the cursor's row (called once per row, in order).</summary>
    public abstract Action Reader(DataViewRow row);

    /// <summary>A getter of the labels of the rows at <paramref name="indices"/>' positions, as a vector.</summary>
    public abstract ValueGetter<TValue> Getter<TValue>(Func<ReadOnlySpan<int>> indices);

    /// <summary>
    /// In one pass over <paramref name="view"/>: the code of each row's label (-1 for a label no reference row has) and
    /// the codes of its k neighbours' labels, row by row.
    /// </summary>
    public abstract (int[] Labels, int[] NeighbourLabels) CodesOf(IDataView view, DataViewSchema.Column label, DataViewSchema.Column neighbourLabels, int k);

    /// <summary>The labels of <paramref name="column"/>; the types the neighbours' label column can take.</summary>
    /// <exception cref="ArgumentOutOfRangeException">the column is not a scalar key, number, boolean or text</exception>
    public static ReferenceLabels For(DataViewSchema.Column column)
    {
        if (!IsSupported(column.Type))
            throw new ArgumentOutOfRangeException(nameof(column), $"NearestNeighbours: label column '{column.Name}' must hold one key, number, boolean or text per row, got {column.Type}.");
        var type = typeof(ReferenceLabels<>).MakeGenericType(column.Type.RawType);
        return (ReferenceLabels)Activator.CreateInstance(type, column)!;
    }

    public static bool IsSupported(DataViewType type) => type is KeyDataViewType or NumberDataViewType or BooleanDataViewType or TextDataViewType;
}

internal sealed class ReferenceLabels<T>(DataViewSchema.Column column) : ReferenceLabels(column) where T : notnull
{
    private static readonly IEqualityComparer<T> Comparer = typeof(T) == typeof(ReadOnlyMemory<char>)
        ? (IEqualityComparer<T>)(object)new TextComparer() : EqualityComparer<T>.Default;

    private readonly List<T> _values = [];
    private readonly List<int> _codes = [];
    private readonly Dictionary<T, int> _distinct = new(Comparer);
    private int[]? _codeArray;

    public override int[] Codes => _codeArray ??= [.. _codes];

    public override Action Reader(DataViewRow row)
    {
        var getter = row.GetGetter<T>(Column);
        T value = default!;
        return () =>
        {
            getter(ref value);
            // Text from a cursor may share its buffer with the next row: keep a copy.
            var kept = value is ReadOnlyMemory<char> text ? (T)(object)text.ToString().AsMemory() : value;
            _values.Add(kept);
            if (!_distinct.TryGetValue(kept, out int code)) _distinct.Add(kept, code = _distinct.Count);
            _codes.Add(code);
            _codeArray = null;
        };
    }

    public override ValueGetter<TValue> Getter<TValue>(Func<ReadOnlySpan<int>> indices)
    {
        ValueGetter<VBuffer<T>> getter = (ref VBuffer<T> v) =>
        {
            var at = indices();
            var editor = VBufferEditor.Create(ref v, at.Length);
            for (int i = 0; i < at.Length; i++) editor.Values[i] = _values[at[i]];
            v = editor.Commit();
        };
        return (ValueGetter<TValue>)(Delegate)getter;
    }

    public override (int[] Labels, int[] NeighbourLabels) CodesOf(IDataView view, DataViewSchema.Column label, DataViewSchema.Column neighbourLabels, int k)
    {
        var labels = new List<int>();
        var neighbours = new List<int>();
        using var cursor = view.GetRowCursor([label, neighbourLabels]);
        var labelGetter = cursor.GetGetter<T>(label);
        var neighbourGetter = cursor.GetGetter<VBuffer<T>>(neighbourLabels);
        T value = default!;
        VBuffer<T> buffer = default;
        while (cursor.MoveNext())
        {
            labelGetter(ref value);
            neighbourGetter(ref buffer);
            if (buffer.Length != k)
                throw new ArgumentException($"NearestNeighbours: column '{neighbourLabels.Name}' holds {buffer.Length} labels in row {cursor.Position}, not {k}.");
            labels.Add(Code(value));
            foreach (var neighbour in buffer.DenseValues()) neighbours.Add(Code(neighbour));
        }
        return ([.. labels], [.. neighbours]);
    }

    private int Code(T value) => _distinct.TryGetValue(value, out int code) ? code : -1;

    private sealed class TextComparer : IEqualityComparer<ReadOnlyMemory<char>>
    {
        public bool Equals(ReadOnlyMemory<char> x, ReadOnlyMemory<char> y) => x.Span.SequenceEqual(y.Span);
        public int GetHashCode(ReadOnlyMemory<char> text) => string.GetHashCode(text.Span);
    }
}
