using MlNetConv.Backends;
using MlNetConv.Graphs;
using MlNetConv.Losses;
using MlNetConv.Preprocessing;
using MlNetConv.Tensors;

namespace MlNetConv.Training;

/// <summary>Host and device buffers for one mini-batch, reused across steps (reallocated only for a short last batch).</summary>
internal sealed class BatchBuffers : IDisposable
{
    private readonly IBackend _backend;
    private readonly Shape _inputShape;
    private readonly float[] _features;
    private readonly int[] _labels;
    private readonly int _labelsPerSample;
    private float[] _scores = [];
    private Tensor? _input;
    private IndexTensor? _targets;

    public BatchBuffers(Network network, IDataset data, int batchSize)
    {
        _backend = network.Backend;
        _inputShape = network.InputShape;
        _labelsPerSample = data.LabelsPerSample;
        _features = new float[batchSize * data.SampleShape.Size];
        _labels = new int[batchSize * data.LabelsPerSample];
    }

    public Tensor Input => _input!;
    public Targets Targets { get; private set; } = null!;
    private int Count { get; set; }

    public void Load(IDataset data, ReadOnlySpan<int> indices, IBatchAugmentation? augmentation, ChannelNormalization? normalization, ulong seed)
    {
        int n = indices.Length, sample = data.SampleShape.Size;
        var features = _features.AsSpan(0, n * sample);
        var labels = _labels.AsSpan(0, n * _labelsPerSample);
        data.CopyBatch(indices, features, labels);
        augmentation?.Apply(features, data.SampleShape, n, seed);
        normalization?.Apply(features, data.SampleShape, n);
        if (_input is null || _input.Shape.N != n)
        {
            _input?.Dispose();
            _targets?.Dispose();
            _input = _backend.Allocate(_inputShape.WithBatch(n));
            var labelShape = _labelsPerSample == 1 ? new Shape(n) : new Shape(n, _labelsPerSample);
            _targets = _backend.AllocateIndices(labelShape);
            Targets = new Targets(_targets);
        }
        _input.CopyFrom(features);
        _backend.UploadIndices(labels, _targets!);
        Count = n;
    }

    /// <summary>Items whose arg-max over channels matches the label (per pixel for spatial outputs; negative labels are ignored).</summary>
    public (int Hits, int Items) Correct(Tensor output)
    {
        if (_scores.Length < output.Size) _scores = new float[output.Size];
        _backend.Download(output, _scores.AsSpan(0, output.Size));
        int k = output.Shape.C, s = output.Shape.SpatialSize, hits = 0, items = 0;
        for (int i = 0; i < Count; i++)
            for (int j = 0; j < s; j++)
            {
                int label = _labels[i * s + j];
                if (label < 0) continue;
                int best = 0;
                for (int c = 1; c < k; c++)
                    if (_scores[(i * k + c) * s + j] > _scores[(i * k + best) * s + j]) best = c;
                items++;
                if (best == label) hits++;
            }
        return (hits, items);
    }

    public void Dispose()
    {
        _input?.Dispose();
        _targets?.Dispose();
    }
}
