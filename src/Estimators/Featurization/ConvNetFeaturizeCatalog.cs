using Microsoft.ML;
using MlNetConv.Transforms;

namespace MlNetConv.Estimators;

/// <summary><c>ml.Transforms.ConvNetFeaturize(...)</c>: what a pretrained network computes, as an ML.NET transform.</summary>
public static class ConvNetFeaturizeCatalog
{
    /// <summary>
    /// Adds <paramref name="outputColumnName"/>, the output of <paramref name="model"/> cut at its feature node (by
    /// default its last hidden layer) for each row of <paramref name="inputColumnName"/>: an image column of the model's
    /// input size (see <see cref="ImagePreprocessing.Steps"/>) or a float vector of its input's size.
    /// </summary>
    public static ConvNetFeaturizer ConvNetFeaturize(this TransformsCatalog catalog, string outputColumnName, string inputColumnName, PretrainedModel model,
        ConvNetFeaturizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ConvNetFeaturizer(model, outputColumnName, inputColumnName, options);
    }
}
