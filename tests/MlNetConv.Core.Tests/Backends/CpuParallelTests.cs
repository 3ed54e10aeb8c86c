using MlNetConv.Backends.Cpu;

namespace MlNetConv.Tests.Backends;

/// <summary>The CPU kernels' fork-join: every item once, failures passed on, nesting and concurrent callers without deadlock.</summary>
public sealed class CpuParallelTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(1000)]
    public void EveryItem_RunsExactlyOnce(int count)
    {
        for (int repeat = 0; repeat < 50; repeat++)
        {
            var runs = new int[count];
            CpuParallel.For(count, i => Interlocked.Increment(ref runs[i]));
            Assert.All(runs, r => Assert.Equal(1, r));
        }
    }

    [Fact]
    public void AFailure_IsRethrown_AndThePoolGoesOn()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CpuParallel.For(100, i =>
        {
            if (i == 37) throw new InvalidOperationException("item 37");
        }));
        Assert.Equal("item 37", error.Message);
        int sum = 0;
        CpuParallel.For(100, i => Interlocked.Add(ref sum, i));
        Assert.Equal(4950, sum);
    }

    [Fact]
    public void ANestedCall_RunsInline()
    {
        var runs = new int[20 * 30];
        CpuParallel.For(20, i => CpuParallel.For(30, j => Interlocked.Increment(ref runs[i * 30 + j])));
        Assert.All(runs, r => Assert.Equal(1, r));
    }

    [Fact]
    public void ConcurrentCallers_AllComplete()
    {
        var totals = new long[4];
        var threads = Enumerable.Range(0, totals.Length).Select(t => new Thread(() =>
        {
            for (int job = 0; job < 300; job++) CpuParallel.For(64, i => Interlocked.Add(ref totals[t], i + 1));
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        Assert.All(threads, thread => Assert.True(thread.Join(TimeSpan.FromMinutes(2)), "a caller did not finish"));
        Assert.All(totals, total => Assert.Equal(300L * 64 * 65 / 2, total));
    }

    [Fact]
    public void JobsAtTheWorkersSpinLimit_AllComplete()
    {
        // Pauses around the workers' spin time put each new job in the window where a worker goes to sleep: a lost
        // wake-up must cost time, never a hang.
        var random = new Random(5);
        long total = 0;
        var caller = new Thread(() =>
        {
            for (int job = 0; job < 2000; job++)
            {
                long until = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency * random.Next(100, 400) / 1_000_000;
                while (System.Diagnostics.Stopwatch.GetTimestamp() < until) { }
                CpuParallel.For(2, i => Interlocked.Add(ref total, i + 1));
            }
        });
        caller.Start();
        Assert.True(caller.Join(TimeSpan.FromMinutes(2)), "a job did not finish");
        Assert.Equal(2000L * 3, total);
    }

    [Fact]
    public void JobsAfterAnIdlePause_StillRun()
    {
        // The worker sleeps after a short spin: the next job must wake it.
        for (int round = 0; round < 5; round++)
        {
            Thread.Sleep(5);
            int sum = 0;
            CpuParallel.For(10, i => Interlocked.Add(ref sum, i));
            Assert.Equal(45, sum);
        }
    }
}
