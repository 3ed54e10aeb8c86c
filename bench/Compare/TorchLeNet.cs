using MlNetConv.Graphs;
using TorchSharp;
using static TorchSharp.torch.nn;

namespace MlNetConv.Bench.Compare;

/// <summary>
/// The zoo's LeNet-5 (modern: ReLU, 2x2 max pooling, 28x28 inputs padded by 2) written in TorchSharp, its modules named
/// as MlNetConv names its layers, so parameter names match (<c>conv1.weight</c>, <c>fc3.bias</c>) and weights copy across.
/// </summary>
internal static class TorchLeNet
{
    public static Module<torch.Tensor, torch.Tensor> Create() => Sequential(
        ("conv1", Conv2d(1, 6, 5, padding: 2)), ("relu1", ReLU()), ("pool1", MaxPool2d(2)),
        ("conv2", Conv2d(6, 16, 5)), ("relu2", ReLU()), ("pool2", MaxPool2d(2)),
        ("flatten", Flatten()),
        ("fc1", Linear(400, 120)), ("relu3", ReLU()),
        ("fc2", Linear(120, 84)), ("relu4", ReLU()),
        ("fc3", Linear(84, 10)));

    /// <summary>Copies MlNetConv's weights into the module, so both start from the same point.</summary>
    public static void CopyWeights(Network from, Module<torch.Tensor, torch.Tensor> to)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in to.named_parameters())
        {
            var source = from[name];
            using var values = torch.tensor(source.Value.ToArray(), parameter.shape);
            parameter.copy_(values);
        }
    }
}
