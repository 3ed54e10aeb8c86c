using System.Diagnostics;

namespace MlNetConv.Fuzz;

/// <summary>What the cases of one target did.</summary>
public sealed class TargetReport(FuzzTarget target, long baseline, long baselineSpread)
{
    private readonly Dictionary<Outcome, int> _counts = Enum.GetValues<Outcome>().ToDictionary(o => o, _ => 0);

    public string Name => target.Name;
    public int InputBytes => target.Original.Length;
    public int Cases => _counts.Values.Sum();
    public int this[Outcome outcome] => _counts[outcome];

    /// <summary>What reading the undamaged file allocates (on every thread; the most of several reads): the reader's own cost.</summary>
    public long Baseline => baseline;

    /// <summary>How much the undamaged reads differed among themselves (ML.NET's loader varies by a few percent).</summary>
    public long BaselineSpread => baselineSpread;

    /// <summary>
    /// The most a damaged case may allocate: a quarter more than the undamaged read, plus four times the input. Damage
    /// may cost a reader some copies of its input, never memory out of proportion to it.
    /// </summary>
    public long Budget => baseline + baseline / 4 + 4L * InputBytes;

    /// <summary>The most bytes one case allocated, on every thread.</summary>
    public long MaxAllocated { get; private set; }

    /// <summary>Cases that allocated more than <see cref="Budget"/>.</summary>
    public int OverBudget { get; private set; }

    /// <summary>The first few crashes and hangs: case number and what happened.</summary>
    public List<string> Failures { get; } = [];

    /// <param name="allowance">what the case's input declares beyond the undamaged one's (<see cref="FuzzTarget.DeclaredSizeAllowance"/>)</param>
    internal void Add(int index, Outcome outcome, long allocated, long allowance, string? detail)
    {
        _counts[outcome]++;
        MaxAllocated = Math.Max(MaxAllocated, allocated);
        if (allocated > Budget + allowance)
        {
            OverBudget++;
            if (Failures.Count < 20) Failures.Add($"case {index}: {outcome}, allocated {allocated:N0} bytes, over the budget of {Budget + allowance:N0}");
        }
        if (outcome is Outcome.Crash or Outcome.Hang && Failures.Count < 20) Failures.Add($"case {index}: {outcome}: {detail}");
    }

    public override string ToString() =>
        $"target={Name} input_bytes={InputBytes} cases={Cases} clean_errors={this[Outcome.CleanError]} identical_loads={this[Outcome.IdenticalLoad]} "
        + $"changed_loads={this[Outcome.ChangedLoad]} crashes={this[Outcome.Crash]} hangs={this[Outcome.Hang]} "
        + $"max_allocated_per_case={MaxAllocated / 1048576.0:F2}MiB budget={Budget / 1048576.0:F2}MiB (1.25x the undamaged read of {Baseline / 1048576.0:F2}MiB, which varied by {BaselineSpread / 1048576.0:F2}MiB, + 4x input, + for images the strips of a wider declared size) over_budget={OverBudget}";

    /// <summary>No crash, no hang, no case over the memory budget.</summary>
    public bool Clean => this[Outcome.Crash] + this[Outcome.Hang] + OverBudget == 0;
}

/// <summary>
/// Runs seeded mutations of every target one case at a time: case i of a run with seed s damages target i mod T with
/// the random stream (s, i), so any case can be replayed alone. Each case runs under a time limit; what it allocates is
/// measured on every thread.
/// </summary>
public static class FuzzCampaign
{
    public static IReadOnlyList<TargetReport> Run(IReadOnlyList<FuzzTarget> targets, int cases, int seed, TimeSpan timeLimit, Action<string>? progress = null)
    {
        var reports = targets.Select(t =>
        {
            var (most, spread) = Baseline(t, timeLimit);
            return new TargetReport(t, most, spread);
        }).ToArray();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < cases; i++)
        {
            int t = i % targets.Count;
            var bytes = Mutated(targets, seed, i);
            var (outcome, allocated, detail) = RunCase(targets[t], bytes, timeLimit);
            long allowance = targets[t].DeclaredSizeAllowance(bytes);
            // Another thread of the process (a test runner, the GC's own work) can allocate while a case runs: a case over
            // its budget is run again, and counts as over only if it is over again.
            if (allocated > reports[t].Budget + allowance && outcome != Outcome.Hang) allocated = Math.Min(allocated, RunCase(targets[t], bytes, timeLimit).Allocated);
            reports[t].Add(i, outcome, allocated, allowance, detail);
            if (progress is not null && (i + 1) % 500 == 0) progress($"{i + 1} of {cases} cases, {clock.Elapsed.TotalSeconds:F0} s");
        }
        return reports;
    }

    /// <summary>
    /// The process's allocated bytes once no other thread is allocating: work a previous case left behind (ML.NET's cursor
    /// threads wind down after the reader returned) would otherwise count against this one.
    /// </summary>
    private static long Settled()
    {
        long last = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < 100; i++)
        {
            Thread.Sleep(1);
            long now = GC.GetTotalAllocatedBytes(precise: true);
            if (now == last) return now;
            last = now;
        }
        return last;
    }

    /// <summary>The damaged bytes of case <paramref name="index"/>.</summary>
    public static byte[] Mutated(IReadOnlyList<FuzzTarget> targets, int seed, int index) =>
        targets[index % targets.Count].Mutate(new Random(unchecked(seed * 1_000_003 + index)));

    /// <summary>Replays one case: what <see cref="Run"/> would give for case <paramref name="index"/>.</summary>
    public static (Outcome Outcome, long Allocated, string? Detail) Replay(IReadOnlyList<FuzzTarget> targets, int seed, int index, TimeSpan timeLimit) =>
        RunCase(targets[index % targets.Count], Mutated(targets, seed, index), timeLimit);

    /// <summary>
    /// What reading the undamaged file allocates: the most of eight reads after one that warms the reader up (ML.NET's
    /// loader allocates a few percent more or less from one read of the same zip to the next).
    /// </summary>
    private static (long Most, long Spread) Baseline(FuzzTarget target, TimeSpan timeLimit)
    {
        long most = 0, least = long.MaxValue;
        for (int i = 0; i < 9; i++)
        {
            var (outcome, allocated, detail) = RunCase(target, target.Original, timeLimit);
            if (outcome != Outcome.IdenticalLoad) throw new InvalidOperationException($"{target.Name}: the undamaged file gives {outcome} {detail}");
            if (i == 0) continue;
            most = Math.Max(most, allocated);
            least = Math.Min(least, allocated);
        }
        return (most, most - least);
    }

    private static (Outcome, long Allocated, string? Detail) RunCase(FuzzTarget target, byte[] bytes, TimeSpan timeLimit)
    {
        long before = Settled();
        var work = Task.Run(() => target.ReadsAsOriginal(bytes));
        bool finished;
        try
        {
            finished = work.Wait(timeLimit);
        }
        catch (AggregateException)
        {
            finished = true;
        }
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        if (!finished) return (Outcome.Hang, allocated, $"{bytes.Length} bytes still being read after {timeLimit.TotalSeconds:F0} s");
        if (work.Exception?.InnerException is { } e)
            return target.IsClean(e) ? (Outcome.CleanError, allocated, null) : (Outcome.Crash, allocated, $"{e.GetType().Name}: {e.Message}\n{e.StackTrace}");
        return (work.Result ? Outcome.IdenticalLoad : Outcome.ChangedLoad, allocated, null);
    }
}
