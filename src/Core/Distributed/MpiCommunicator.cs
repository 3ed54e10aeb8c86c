namespace MlNetConv.Distributed;

/// <summary>
/// The processes of a job launched by <c>mpirun -np N</c> (or Slurm's <c>srun</c>), through Open MPI's
/// <c>MPI_COMM_WORLD</c>. MPI is initialised once per process by <see cref="Start"/> and finalised by
/// <see cref="Dispose"/> (or when the process exits): create one, use it for the whole run, dispose it last.
/// Every collective pins the caller's span for the call only and sends it in place, with no copy.
/// </summary>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    /// <summary>Variables a launcher sets in each process it starts: Open MPI's mpirun, PMIx (srun, prterun) and PMI (MPICH's hydra, older srun).</summary>
    private static readonly string[] LauncherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"];

    private static readonly object Gate = new();
    private static MpiCommunicator? _current;

    private readonly MpiLibrary _mpi;
    private bool _finalized;

    private MpiCommunicator(MpiLibrary mpi)
    {
        _mpi = mpi;
        Rank = mpi.CommRank(mpi.CommWorld);
        Size = mpi.CommSize(mpi.CommWorld);
    }

    public int Rank { get; }
    public int Size { get; }

    /// <summary>The communicator <see cref="Start"/> opened in this process, until it is disposed; null before.</summary>
    public static MpiCommunicator? Current
    {
        get
        {
            lock (Gate) return _current is { _finalized: false } ? _current : null;
        }
    }

    /// <summary>Whether this process was started by an MPI launcher (mpirun, srun): the condition for <see cref="Start"/>.</summary>
    public static bool IsLaunched => LauncherVariables.Any(v => Environment.GetEnvironmentVariable(v) is not null);

    /// <summary>
    /// Initialises MPI in this process and returns its world communicator; the process must have been started by
    /// <c>mpirun</c> or <c>srun</c>. A second call while one is open returns the same communicator.
    /// </summary>
    /// <param name="libraryPath">Open MPI's libmpi to load; null: <c>libmpi.so.40</c> from the loader's path</param>
    /// <exception cref="InvalidOperationException">the process was not started by an MPI launcher, or MPI was finalised already</exception>
    /// <exception cref="DllNotFoundException">Open MPI is not installed (the message says how to install it)</exception>
    public static MpiCommunicator Start(string? libraryPath = null)
    {
        lock (Gate)
        {
            if (_current is { _finalized: false }) return _current;
            if (!IsLaunched)
                throw new InvalidOperationException($"Distributed training and scoring run under an MPI launcher ('mpirun -np 2 …' or Slurm's 'srun'), which sets {string.Join(", ", LauncherVariables)}; none is set in this process. Start it with mpirun, or leave the distributed option off to run in one process.");
            var mpi = MpiLibrary.Load(libraryPath);
            if (mpi.Finalized()) throw new InvalidOperationException("MPI was finalised in this process already; it can be started only once per process.");
            if (!mpi.Initialized()) mpi.Init();
            _current = new MpiCommunicator(mpi);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => _current?.Dispose();
            return _current;
        }
    }

    public void AllReduceSum(Span<float> values)
    {
        ThrowIfFinalized();
        if (values.IsEmpty) return;
        fixed (float* p = values) _mpi.AllReduce((void*)MpiLibrary.InPlace, p, values.Length, _mpi.Float, _mpi.Sum, _mpi.CommWorld);
    }

    public void AllReduceSum(Span<double> values)
    {
        ThrowIfFinalized();
        if (values.IsEmpty) return;
        fixed (double* p = values) _mpi.AllReduce((void*)MpiLibrary.InPlace, p, values.Length, _mpi.Double, _mpi.Sum, _mpi.CommWorld);
    }

    public void AllGather(ReadOnlySpan<float> send, Span<float> receive)
    {
        ThrowIfFinalized();
        if (receive.Length != (long)send.Length * Size)
            throw new ArgumentException($"AllGather: {send.Length} values from each of {Size} ranks need a receive span of {(long)send.Length * Size}, got {receive.Length}.", nameof(receive));
        fixed (float* s = send)
        fixed (float* r = receive)
            _mpi.AllGather(s, send.Length, _mpi.Float, r, send.Length, _mpi.Float, _mpi.CommWorld);
    }

    public void Broadcast(Span<byte> values, int root)
    {
        CheckRoot(root);
        fixed (byte* p = values) _mpi.Broadcast(p, values.Length, _mpi.Byte, root, _mpi.CommWorld);
    }

    public void Broadcast(Span<float> values, int root)
    {
        CheckRoot(root);
        fixed (float* p = values) _mpi.Broadcast(p, values.Length, _mpi.Float, root, _mpi.CommWorld);
    }

    public byte[]? Gather(ReadOnlySpan<byte> send, int root)
    {
        CheckRoot(root);
        int length = send.Length;
        var lengths = Rank == root ? new int[Size] : null;
        fixed (int* l = lengths) _mpi.Gather(&length, 1, _mpi.Int, l, 1, _mpi.Int, root, _mpi.CommWorld);
        int[]? offsets = null;
        byte[]? result = null;
        if (lengths is not null)
        {
            offsets = new int[Size];
            long total = 0;
            for (int r = 0; r < Size; r++)
            {
                offsets[r] = (int)Math.Min(total, int.MaxValue);
                total += lengths[r];
            }
            if (total > Array.MaxLength) throw new InvalidOperationException($"Gather: the ranks send {total} bytes in all, more than one array holds.");
            result = new byte[total];
        }
        fixed (byte* s = send)
        fixed (byte* r = result)
        fixed (int* l = lengths)
        fixed (int* o = offsets)
            _mpi.GatherV(s, length, _mpi.Byte, r, l, o, _mpi.Byte, root, _mpi.CommWorld);
        return result;
    }

    public void Barrier()
    {
        ThrowIfFinalized();
        _mpi.Barrier(_mpi.CommWorld);
    }

    public void Abort(int exitCode) => _mpi.Abort(_mpi.CommWorld, exitCode);

    /// <summary>Finalises MPI (once; every rank must call it); the communicator cannot be used afterwards.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            if (_finalized) return;
            _finalized = true;
            if (!_mpi.Finalized()) _mpi.FinalizeMpi();
        }
    }

    private void ThrowIfFinalized() => ObjectDisposedException.ThrowIf(_finalized, this);

    private void CheckRoot(int root)
    {
        ThrowIfFinalized();
        if ((uint)root >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(root), root, $"The job has ranks 0 … {Size - 1}.");
    }

    public override string ToString() => $"MPI rank {Rank} of {Size} ({_mpi.Name})";
}
