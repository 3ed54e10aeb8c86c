namespace MlNetConv.Layers;

/// <summary>A layer that draws random numbers in training (dropout). The network gives it a seed per step and layer.</summary>
public interface IStochasticLayer
{
    void SetSeed(ulong seed);
}
