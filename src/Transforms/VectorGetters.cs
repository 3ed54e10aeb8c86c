using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Transforms;

/// <summary>Getters of known-size vector columns computed by the engine, for the data views and row mappers of the transforms.</summary>
internal static class VectorGetters
{
    /// <summary>A getter (typed as the cursor asks, <c>VBuffer&lt;T&gt;</c>) that copies the current row's values.</summary>
    public static ValueGetter<TValue> Of<T, TValue>(Func<ReadOnlySpan<T>> values)
    {
        ValueGetter<VBuffer<T>> getter = (ref VBuffer<T> v) =>
        {
            var source = values();
            var editor = VBufferEditor.Create(ref v, source.Length);
            source.CopyTo(editor.Values);
            v = editor.Commit();
        };
        return (ValueGetter<TValue>)(Delegate)getter;
    }
}
