using System.Reflection;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Tmp;

public sealed class Diag
{
    [Fact]
    public void Dump()
    {
        var lines = new List<string>();
        foreach (var type in typeof(Diag).Assembly.GetTypes().Where(t => t.Namespace?.StartsWith("MlNetConv.Tests") == true))
            foreach (var f in type.GetFields(BindingFlags.NonPublic | BindingFlags.Static).Where(f => f.FieldType == typeof(LayerCases)))
                foreach (var c in (LayerCases)f.GetValue(null)!)
                {
                    if (type.Name != "BlockGradientTests" && !c.Name.StartsWith("bn") && !c.Name.StartsWith("concat")) continue;
                    foreach (var step in new[] { 1.0 / 8, 1.0 / 16, 1.0 / 32 })
                    {
                    var r = (c with { Options = (c.Options ?? new()) with { Step = step } }).CheckGradients();
                    var worst = r.Checks.OrderByDescending(x => x.RelativeError).First();
                    lines.Add($"{r.MaxRelativeError:E1} {type.Name}.{c.Name} h=1/{1/step} worst {worst}");
                    }
                }
        File.WriteAllLines("/tmp/diag.txt", lines.OrderByDescending(l => double.Parse(l.Split(' ')[0])));
    }
}
