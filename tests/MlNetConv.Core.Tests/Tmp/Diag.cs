using System.Reflection;
using MlNetConv.Tests.Layers;
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
                    var sw = System.Diagnostics.Stopwatch.StartNew();
                    var r = c.CheckGradients();
                    var worst = r.Checks.OrderByDescending(x => x.RelativeError).First();
                    lines.Add($"{type.Name}.{f.Name}.{c.Name}: max {r.MaxRelativeError:E2} n={r.Checks.Count} skipped={r.Skipped.Count} {sw.ElapsedMilliseconds}ms worst {worst}");
                }
        File.WriteAllLines("/tmp/diag.txt", lines);
    }
}
