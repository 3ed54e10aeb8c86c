using System.Reflection;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Tmp;

public sealed class Diag
{
    [Fact]
    public void Dump()
    {
        var lines = new List<string>();
        var f = typeof(MlNetConv.Tests.Graphs.BlockGradientTests).GetField("Cases", BindingFlags.NonPublic | BindingFlags.Static)!;
        var cases = (LayerCases)f.GetValue(null)!;
        foreach (var name in new[] { "residual_identity", "residual_projection_linear" })
        {
            var c = cases[name];
            var reports = new[] { 1.0 / 8, 1.0 / 16, 1.0 / 32, 1.0 / 64 }.Select(step => (c with { Options = (c.Options ?? new()) with { Step = step } }).CheckGradients()).ToArray();
            lines.Add(name);
            for (int i = 0; i < reports[0].Checks.Count; i++)
            {
                var row = reports.Select(r => r.Checks[i]).ToArray();
                if (row.All(x => x.RelativeError < 3e-4)) continue;
                lines.Add($"  {row[0].Tensor}[{row[0].Index}] a={row[0].Analytic:G7} n8={row[0].Numeric:G7} n16={row[1].Numeric:G7} n32={row[2].Numeric:G7} n64={row[3].Numeric:G7}");
            }
        }
        File.WriteAllLines("/tmp/diag.txt", lines);
    }
}
