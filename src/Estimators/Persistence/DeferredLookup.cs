using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Estimators.Persistence;

/// <summary>
/// A lookup of the saved chain that is built only while it is written: ML.NET's MapValue encodes its values into the
/// lookup file when it is constructed and keeps both, so a chain holding every part of a large model at once would
/// hold it several times over, and the garbage made on the way grows with the model. Built one at a time, each
/// part's lookup is garbage before the next is made. It only saves; its schema is the placeholder's.
/// </summary>
/// <param name="placeholder">the lookup with the same output column and type but no values, which the chain was fitted with</param>
/// <param name="build">makes the real lookup (MapValue) when the chain saves this element</param>
internal sealed class DeferredLookup(ITransformer placeholder, Func<ITransformer> build) : ITransformer, ICanSaveModel
{
    public bool IsRowToRowMapper => placeholder.IsRowToRowMapper;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => placeholder.GetOutputSchema(inputSchema);

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw OnlySaved();

    public IDataView Transform(IDataView input) => throw OnlySaved();

    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)build()).Save(ctx);

    private static NotSupportedException OnlySaved() => new("A ConvNet model's lookup is built only when the model is saved; load the saved model to score.");
}
