using System.Diagnostics;
using System.Globalization;

namespace MlNetConv.Bench.Compare;

/// <summary>
/// How much of the machine other processes took while a case ran: busy CPU time of the whole machine (from
/// /proc/stat) minus this process's, over the cores' wall time. On a shared machine it says which lines to distrust.
/// </summary>
internal sealed class MachineLoad
{
    private const string Stat = "/proc/stat";
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly double _machineBusy = MachineBusySeconds();
    private readonly double _ownBusy = OwnBusySeconds();

    public static MachineLoad Start() => new();

    /// <summary>Percent of all cores' time other processes used since <see cref="Start"/>; null where /proc/stat is absent.</summary>
    public double? OthersPercent()
    {
        if (!File.Exists(Stat)) return null;
        double wall = Stopwatch.GetElapsedTime(_start).TotalSeconds * Environment.ProcessorCount;
        double others = (MachineBusySeconds() - _machineBusy) - (OwnBusySeconds() - _ownBusy);
        return Math.Clamp(100 * others / wall, 0, 100);
    }

    private static double OwnBusySeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>user + nice + system + irq + softirq + steal of the "cpu" line, in seconds (USER_HZ = 100).</summary>
    private static double MachineBusySeconds()
    {
        if (!File.Exists(Stat)) return 0;
        string line = File.ReadLines(Stat).First();
        var ticks = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        long busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + (ticks.Length > 7 ? ticks[7] : 0);
        return busy / 100.0;
    }
}
