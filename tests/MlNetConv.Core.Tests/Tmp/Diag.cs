using System.Reflection;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Tmp;

public sealed class Diag
{
    [Fact]
    public void Dump()
    {
        var lines = new List<string>();
        var cases = (LayerCases)typeof(MlNetConv.Tests.Graphs.BlockGradientTests).GetField("Cases", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        foreach (var c in cases.Where(c => c.Name.StartsWith("residual")))
        {
            var layer = c.Create();
            GradientCheck.Layer(layer, c.Input, c.Options);
            foreach (var bn in Network.Flatten(layer).OfType<BatchNorm>())
                lines.Add($"{c.Name}: bias {string.Join(",", bn.BiasParameter.Value.ToArray())} weight {string.Join(",", bn.Weight.Value.ToArray())}");
        }
        File.WriteAllLines("/tmp/diag.txt", lines);
    }
}
