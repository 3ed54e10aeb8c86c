using MlNetConv.Tensors;

namespace MlNetConv.Init;

/// <summary>Fills a fresh parameter. fanIn/fanOut are the inputs/outputs of one unit (kernel volume times channels for convolutions).</summary>
public interface IInitializer
{
    void Initialize(Span<float> values, int fanIn, int fanOut, RandomStream random);

    /// <summary>Fills a parameter of a known shape; initializers that need its layout (a bilinear upsampling kernel) override this.</summary>
    void Initialize(Span<float> values, Shape shape, int fanIn, int fanOut, RandomStream random) => Initialize(values, fanIn, fanOut, random);
}
