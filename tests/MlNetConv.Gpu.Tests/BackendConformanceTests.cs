using MlNetConv.Backends;
using MlNetConv.Conformance;

namespace MlNetConv.Gpu.Tests;

/// <summary>
/// The backend conformance suite, written once: every kernel family against the CPU backend's reference kernels (the
/// cases live in MlNetConv.Backends.Conformance, which the GPU bench also runs on CUDA). A thin subclass binds it to a
/// backend.
/// </summary>
public abstract class BackendConformanceTests
{
    /// <summary>The backend under test; a binding may skip (Skip.If) when its device is missing.</summary>
    protected abstract IBackend Subject { get; }

    public static TheoryData<string> ConvolutionCases => Names(BackendConformance.Convolution);
    public static TheoryData<string> PoolingCases => Names(BackendConformance.Pooling);
    public static TheoryData<string> DenseCases => Names(BackendConformance.Dense);
    public static TheoryData<string> ActivationCases => Names(BackendConformance.Activation);
    public static TheoryData<string> NormalizationCases => Names(BackendConformance.Normalization);
    public static TheoryData<string> ElementwiseCases => Names(BackendConformance.Elementwise);
    public static TheoryData<string> LossCases => Names(BackendConformance.Loss);
    public static TheoryData<string> OptimizerCases => Names(BackendConformance.Optimizer);
    public static TheoryData<string> TrainingCases => Names(BackendConformance.Training);
    public static TheoryData<string> SegmentationCases => Names(BackendConformance.Segmentation);
    public static TheoryData<string> ArgumentCases => Names(BackendConformance.Arguments);

    [SkippableTheory, MemberData(nameof(ConvolutionCases))]
    public void Convolution(string name) => Run(BackendConformance.Convolution, name);

    [SkippableTheory, MemberData(nameof(PoolingCases))]
    public void Pooling(string name) => Run(BackendConformance.Pooling, name);

    [SkippableTheory, MemberData(nameof(DenseCases))]
    public void Dense(string name) => Run(BackendConformance.Dense, name);

    [SkippableTheory, MemberData(nameof(ActivationCases))]
    public void Activation(string name) => Run(BackendConformance.Activation, name);

    [SkippableTheory, MemberData(nameof(NormalizationCases))]
    public void Normalization(string name) => Run(BackendConformance.Normalization, name);

    [SkippableTheory, MemberData(nameof(ElementwiseCases))]
    public void Elementwise(string name) => Run(BackendConformance.Elementwise, name);

    [SkippableTheory, MemberData(nameof(LossCases))]
    public void Loss(string name) => Run(BackendConformance.Loss, name);

    [SkippableTheory, MemberData(nameof(OptimizerCases))]
    public void Optimizer(string name) => Run(BackendConformance.Optimizer, name);

    /// <summary>A small network trained a few steps follows the reference's loss curve.</summary>
    [SkippableTheory, MemberData(nameof(TrainingCases))]
    public void Training(string name) => Run(BackendConformance.Training, name);

    /// <summary>The kernels of the segmentation layers: regions, channel bias, unpooling, Lp and maxout pooling, upsampling, locally connected.</summary>
    [SkippableTheory, MemberData(nameof(SegmentationCases))]
    public void Segmentation(string name) => Run(BackendConformance.Segmentation, name);

    /// <summary>Tensors that do not fit the geometry or each other are refused with the reference's exception and message.</summary>
    [SkippableTheory, MemberData(nameof(ArgumentCases))]
    public void Arguments(string name) => Run(BackendConformance.Arguments, name);

    private void Run(string family, string name) => BackendConformance.Run(BackendConformance.Get(family, name), Subject);

    private static TheoryData<string> Names(string family)
    {
        var data = new TheoryData<string>();
        foreach (string name in BackendConformance.Names(family)) data.Add(name);
        return data;
    }
}
