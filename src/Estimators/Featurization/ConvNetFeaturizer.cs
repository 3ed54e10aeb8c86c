using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Backends;
using MlNetConv.Graphs;
using MlNetConv.Transforms;

namespace MlNetConv.Estimators;

/// <summary>
/// The estimator of <c>ml.Transforms.ConvNetFeaturize</c>: a pretrained network cut at a node, one feature vector per row.
/// It has nothing to learn; Fit checks the input column and builds the network on the chosen device.
/// </summary>
public sealed class ConvNetFeaturizer : IEstimator<ConvNetFeaturizerTransformer>
{
    private readonly PretrainedModel _model;
    private readonly string _outputColumn, _inputColumn;
    private readonly ConvNetFeaturizerOptions _options;

    public ConvNetFeaturizer(PretrainedModel model, string outputColumnName, string inputColumnName, ConvNetFeaturizerOptions? options = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _outputColumn = outputColumnName ?? throw new ArgumentNullException(nameof(outputColumnName));
        _inputColumn = inputColumnName ?? throw new ArgumentNullException(nameof(inputColumnName));
        _options = options ?? new ConvNetFeaturizerOptions();
        if (_options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), _options.BatchSize, "The batch size must be positive.");
    }

    /// <summary>The node the features are taken at, resolved as <see cref="ConvNetFeaturizerOptions.FeatureNode"/> says (null: the output).</summary>
    public string? FeatureNode => _options.FeatureNode ?? _model.DefaultFeatureNode;

    public ConvNetFeaturizerTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInput(input.Schema);
        return Create();
    }

    /// <summary>The transformer without data to fit on (there is nothing to learn).</summary>
    public ConvNetFeaturizerTransformer Create()
    {
        var backend = _options.Backend ?? Devices.Create(_options.Device ?? Device.Cpu, fallbackToCpu: false).Backend;
        var network = _model.Build(FeatureNode, backend);
        var image = _model.Preprocessing;
        return new ConvNetFeaturizerTransformer(new ConvNetModel(network, _model.Normalization, probabilities: false), _inputColumn, image, _outputColumn,
            _options.BatchSize) { ImagePathColumnName = _options.ImagePathColumnName };
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var input = inputSchema.FirstOrDefault(c => c.Name == _inputColumn);
        if (input.Name is null) throw new ArgumentOutOfRangeException(nameof(inputSchema), $"ConvNet featurizer: input column '{_inputColumn}' not found.");
        // A known-size Single vector column, declared through ML.NET's own transforms (SchemaShape columns cannot be made here).
        var ml = new MLContext(seed: 0);
        return _model.Preprocessing is { } image
            ? image.ExtractPixels(ml, _outputColumn, _inputColumn).GetOutputSchema(inputSchema)
            : ml.Transforms.CopyColumns(_outputColumn, _inputColumn).GetOutputSchema(inputSchema);
    }

    private void CheckInput(DataViewSchema schema) =>
        FeatureColumn.ForModel(schema, _inputColumn, _model.Network.SampleShape, _model.Preprocessing);
}
