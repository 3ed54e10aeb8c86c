using MlNetConv.Tensors;

namespace MlNetConv.Init;

/// <summary>Fills a fresh parameter. fanIn/fanOut are the inputs/outputs of one unit (kernel volume times channels for convolutions).</summary>
public interface IInitializer
{
    void Initialize(Span<float> values, int fanIn, int fanOut, RandomStream random);
}
