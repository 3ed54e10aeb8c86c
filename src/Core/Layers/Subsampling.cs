using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Init;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// LeNet-5's trainable subsampling (layers S2, S4): each output is the average of a non-overlapping
/// kernelSize x kernelSize window, times a learned coefficient, plus a learned bias — two parameters per map.
/// (LeNet sums the four inputs; averaging only rescales the coefficient.) Input (N, C, H, W).
/// </summary>
public sealed class Subsampling2d : Layer, IInitializedLayer
{
    private PoolGeometry? _geometry;
    private Parameter? _weight, _bias;
    private Tensor? _pooled, _output, _pooledGrad, _inputGrad;
    private Shape _inputShape;

    public Subsampling2d(int kernelSize = 2, string? name = null) : base(name)
    {
        if (kernelSize <= 0) throw new ArgumentException($"Subsampling2d: kernel_size must be positive, got {kernelSize}.");
        KernelSize = kernelSize;
    }

    public int KernelSize { get; }

    public PoolGeometry Geometry => _geometry ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    /// <summary>Coefficient init; LeNet's appendix draws weights from U(±2.4/fanIn), here U(±1/sqrt(fanIn)) around 1.</summary>
    public IInitializer WeightInit { get; set; } = Initializers.Ones();
    public IInitializer BiasInit { get; set; } = Initializers.Zeros();

    protected override Shape OnBuild(Shape input)
    {
        _geometry = PoolGeometry.Create(input, [KernelSize, KernelSize], [KernelSize, KernelSize], 0, [1, 1], false, true, $"Layer '{Name}' (Subsampling2d)");
        int fanIn = KernelSize * KernelSize;
        _weight = AddParameter("weight", new Shape(input.C), WeightInit, fanIn, 1);
        _bias = AddParameter("bias", new Shape(input.C), BiasInit, fanIn, 1);
        return _geometry.OutputShape(input.N);
    }

    public override LayerStats Stats => new(OutputShape.Size * (KernelSize * KernelSize + 1L), 0,
        new Int3(1, KernelSize, KernelSize), new Int3(1, KernelSize, KernelSize));

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var shape = _geometry!.OutputShape(input.Shape.N);
        var pooled = Reuse(ref _pooled, shape);
        var output = Reuse(ref _output, shape);
        Backend.Pooling.AvgForward(_geometry, input, pooled);
        Backend.Elementwise.ChannelAffineForward(pooled, _weight!.Value, _bias!.Value, output);
        _inputShape = input.Shape;
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        var pooled = Saved(_pooled, Name);
        var pooledGrad = Reuse(ref _pooledGrad, pooled.Shape);
        Backend.Elementwise.ChannelAffineBackward(pooled, outputGrad, _weight!.Value, pooledGrad, _weight.Grad!, _bias!.Grad!);
        if (!InputGradRequired) return null;
        var inputGrad = Reuse(ref _inputGrad, _inputShape);
        Backend.Pooling.AvgBackward(_geometry!, pooledGrad, inputGrad);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config) => config["kernelSize"] = KernelSize;

    public override string ToString() => $"Subsampling2d(kernel_size={KernelSize})";
}
