using Microsoft.ML;

namespace MlNetConv.Estimators;

/// <summary>Saving inside ML.NET model zips.</summary>
internal static class ModelPersistence
{
    public static void Save(ConvNetClassificationTransformer transformer, ModelSaveContext ctx) =>
        throw new NotSupportedException("Saving a ConvNet transformer with ml.Model.Save is not available in this version; save the network with ModelFile.Save(path, network).");
}
