namespace MlNetConv.Backends.Cpu;

/// <summary>
/// Fork-join over the cores for the CPU kernels, in the manner of OpenMP and ONNX Runtime's thread pool: the calling
/// thread and one worker per other core take the items of a job from a shared counter, and the workers spin for a
/// moment after each job before they sleep, so that the next kernel of a forward pass (a batch-1 network runs dozens a
/// millisecond apart) starts without waking a thread. Items are independent and each writes its own part of the
/// result, so which thread takes which item never changes a bit. A call made inside a job, or while another thread's
/// job runs, runs its items on the calling thread.
/// </summary>
internal static class CpuParallel
{
    /// <summary>How long an idle worker keeps polling for the next job before it sleeps.</summary>
    private static readonly TimeSpan SpinTime = TimeSpan.FromMicroseconds(200);

    private static readonly object Gate = new();
    private static readonly Worker[] Workers = StartWorkers(Environment.ProcessorCount - 1);

    [ThreadStatic]
    private static bool t_inJob;

    // The job in flight; Version changes with each new job (workers compare it to the last one they ran).
    private static volatile Job? s_job;
    private static int s_version;

    /// <summary>Runs body(0) … body(count - 1), spread over the cores; returns when all have run, rethrowing the first failure.</summary>
    public static void For(int count, Action<int> body)
    {
        if (count <= 0) return;
        if (count == 1 || Workers.Length == 0 || t_inJob || !Monitor.TryEnter(Gate))
        {
            RunInline(count, body);
            return;
        }
        try
        {
            var job = new Job(count, body);
            s_job = job;
            Interlocked.Increment(ref s_version);
            foreach (var worker in Workers) worker.Wake();
            job.Run();
            job.WaitForItems();
            s_job = null;
            if (job.Failure is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    private static void RunInline(int count, Action<int> body)
    {
        bool outer = !t_inJob;
        t_inJob = true;
        try
        {
            for (int i = 0; i < count; i++) body(i);
        }
        finally
        {
            if (outer) t_inJob = false;
        }
    }

    private static Worker[] StartWorkers(int count) => [.. Enumerable.Range(0, Math.Max(0, count)).Select(i => new Worker(i))];

    /// <summary>
    /// One job: items taken from a counter by every thread that joins, and a count of the items finished. Its owner
    /// waits for the items, never for a worker, so a worker that wakes late (or not at all) costs time, not a deadlock:
    /// it finds the items taken and leaves.
    /// </summary>
    private sealed class Job(int count, Action<int> body)
    {
        private int _next;
        private int _finished;

        public Exception? Failure { get; private set; }

        public void Run()
        {
            t_inJob = true;
            try
            {
                for (int i = Interlocked.Increment(ref _next) - 1; i < count; i = Interlocked.Increment(ref _next) - 1)
                {
                    try
                    {
                        body(i);
                    }
                    catch (Exception e)
                    {
                        lock (this) Failure ??= e;
                    }
                    finally
                    {
                        Interlocked.Increment(ref _finished);
                    }
                }
            }
            finally
            {
                t_inJob = false;
            }
        }

        public void WaitForItems()
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref _finished) < count) spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>A background thread that runs its share of each job, polls for the next one for <see cref="SpinTime"/>, then sleeps.</summary>
    private sealed class Worker
    {
        private readonly SemaphoreSlim _signal = new(0);
        private int _sleeping;

        public Worker(int index)
        {
            // The jobs published from now on are this worker's, whenever its thread gets to run.
            int seen = Volatile.Read(ref s_version);
            var thread = new Thread(() => Loop(seen)) { IsBackground = true, Name = $"MlNetConv CPU worker {index + 1}" };
            thread.Start();
        }

        /// <summary>Called by the job's owner after publishing it: releases the worker if it sleeps.</summary>
        public void Wake()
        {
            if (Interlocked.Exchange(ref _sleeping, 0) == 1) _signal.Release();
        }

        private void Loop(int seen)
        {
            while (true)
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                var spin = new SpinWait();
                while (Volatile.Read(ref s_version) == seen)
                {
                    if (System.Diagnostics.Stopwatch.GetElapsedTime(start) < SpinTime)
                    {
                        spin.SpinOnce(sleep1Threshold: -1);
                        continue;
                    }
                    // Announce the sleep, then look once more: a job published in between either sees the flag (and
                    // releases the semaphore) or is seen here. The exchange is a full fence: a plain store could be
                    // passed by the load of the version below, and both sides would miss each other.
                    Interlocked.Exchange(ref _sleeping, 1);
                    if (Volatile.Read(ref s_version) != seen)
                    {
                        if (Interlocked.Exchange(ref _sleeping, 0) == 0) _signal.Wait(); // the owner already released it
                        break;
                    }
                    _signal.Wait();
                    start = System.Diagnostics.Stopwatch.GetTimestamp();
                }
                seen = Volatile.Read(ref s_version);
                s_job?.Run();
            }
        }
    }
}
