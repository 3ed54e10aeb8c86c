using System.Text.Json.Nodes;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// The elements at <see cref="Index"/> along one axis after the batch, in that order, repeats allowed (PyTorch's
/// <c>index_select</c>): ONNX's Gather of a computed tensor with constant indices. Input (N, d1, ..., dk), output the same
/// with d_dim = Index.Count. Runs of consecutive indices are copied at once. Backward sums the output gradients of every
/// pick of an element into it.
/// </summary>
public sealed class IndexSelect : Layer
{
    private readonly int[] _index;
    private readonly (int From, int To, int Count)[] _runs;
    private readonly bool _repeats;
    private readonly bool[] _firstPick;
    private Tensor? _output, _inputGrad, _picked, _sum;

    /// <param name="dim">the axis, 1 (channels) or later</param>
    /// <param name="index">the elements to pick along it, each in [0, extent)</param>
    public IndexSelect(int dim, int[] index, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (dim < 1) throw new ArgumentException($"IndexSelect: dim must be an axis after the batch (>= 1), got {dim}.");
        if (index.Length == 0 || index.Any(i => i < 0))
            throw new ArgumentException($"IndexSelect: needs at least one index, each >= 0, got ({string.Join(", ", index)}).");
        Dim = dim;
        _index = (int[])index.Clone();
        var runs = new List<(int, int, int)>();
        for (int k = 0; k < _index.Length;)
        {
            int count = 1;
            while (k + count < _index.Length && _index[k + count] == _index[k] + count) count++;
            runs.Add((_index[k], k, count));
            k += count;
        }
        _runs = [.. runs];
        var seen = new HashSet<int>();
        _firstPick = _index.Select(seen.Add).ToArray();
        _repeats = _firstPick.Contains(false);
    }

    public int Dim { get; }
    public IReadOnlyList<int> Index => _index;

    protected override Shape OnBuild(Shape input)
    {
        AxisView.Check(input, Dim, $"Layer '{Name}' (IndexSelect)");
        if (_index.Max() >= input[Dim])
            throw new ArgumentException($"Layer '{Name}' (IndexSelect): index {_index.Max()} is out of range for dim {Dim} of {input}, whose extent is {input[Dim]}.");
        var dims = input.ToArray();
        dims[Dim] = _index.Length;
        return new Shape(dims);
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, OutputShape.WithBatch(input.Shape.N));
        var (source, target) = (AxisView.Of(input, Dim), AxisView.Of(output, Dim));
        foreach (var (from, to, count) in _runs) Backend.Elementwise.CopyChannels(source, from, target, to, count);
        return output;
    }

    /// <summary>
    /// Without repeats the runs go back where they came from. With repeats, each further pick of an element is added to it
    /// through two one-element buffers (read, add, write back), in the order of the picks.
    /// </summary>
    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var inputGrad = Reuse(ref _inputGrad, InputShape.WithBatch(outputGrad.Shape.N));
        Backend.Elementwise.Fill(inputGrad, 0f);
        var (source, target) = (AxisView.Of(outputGrad, Dim), AxisView.Of(inputGrad, Dim));
        if (!_repeats)
        {
            foreach (var (from, to, count) in _runs) Backend.Elementwise.CopyChannels(source, to, target, from, count);
            return inputGrad;
        }
        var one = new Shape(target.Shape[0], 1, target.Shape[2]);
        var (picked, sum) = (Reuse(ref _picked, one), Reuse(ref _sum, one));
        for (int k = 0; k < _index.Length; k++)
        {
            int i = _index[k];
            if (_firstPick[k])
            {
                Backend.Elementwise.CopyChannels(source, k, target, i, 1);
                continue;
            }
            Backend.Elementwise.CopyChannels(target, i, sum, 0, 1);
            Backend.Elementwise.CopyChannels(source, k, picked, 0, 1);
            Backend.Elementwise.Axpy(1f, picked, sum);
            Backend.Elementwise.CopyChannels(sum, 0, target, i, 1);
        }
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config)
    {
        config["dim"] = Dim;
        config["index"] = Json.Ints(_index);
    }

    public override string ToString() => $"IndexSelect(dim={Dim}, index=[{string.Join(", ", _index)}])";
}
