using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Transforms;

/// <summary>
/// What a transformer computes for the rows of one (already checked) input schema, in the shape that
/// <see cref="BatchedDataView{TOutputs}"/> runs on batches of rows and <see cref="BatchedRowMapper{TOutputs}"/> on one
/// row at a time: each row's input is read into <see cref="InputSize"/> floats, a batch of inputs is run at once into
/// <typeparamref name="TOutputs"/> (buffers holding one slice per row), and each added column's getter reads the
/// slices of one row.
/// </summary>
/// <typeparam name="TOutputs">the output buffers of a batch, made by <see cref="Allocate"/></typeparam>
internal abstract class BatchedComputation<TOutputs>
{
    /// <summary>The input columns, then the columns the computation adds.</summary>
    public abstract DataViewSchema OutputSchema { get; }

    /// <summary>Rows per batch in a transformed view.</summary>
    public abstract int BatchSize { get; }

    /// <summary>Floats per row of input.</summary>
    public abstract int InputSize { get; }

    /// <summary>The input columns a row's <see cref="Reader"/> reads, which a cursor must make active.</summary>
    public abstract IEnumerable<DataViewSchema.Column> InputColumns { get; }

    /// <summary>Reads the current row of <paramref name="row"/> into a span of <see cref="InputSize"/>; errors name the row.</summary>
    public abstract Action<Span<float>> Reader(DataViewRow row);

    /// <summary>Output buffers for <paramref name="rows"/> rows.</summary>
    public abstract TOutputs Allocate(int rows);

    /// <summary>Runs a batch of rows into the first <c>b</c> slices of <paramref name="outputs"/>.</summary>
    /// <param name="inputs">(b, InputSize), which the computation may overwrite</param>
    /// <param name="positions">(b) the rows' positions in their input (for errors, and for computations that depend on them)</param>
    public abstract void Run(Span<float> inputs, ReadOnlySpan<long> positions, TOutputs outputs);

    /// <summary>The getter of added column <paramref name="output"/> (0 = the first added), reading slice <paramref name="row"/>() of <paramref name="outputs"/>.</summary>
    public abstract ValueGetter<TValue> OutputGetter<TValue>(int output, TOutputs outputs, Func<int> row);
}
