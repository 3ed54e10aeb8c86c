using System.Runtime.InteropServices;

namespace MlNetConv.Distributed;

/// <summary>
/// The few MPI functions the engine calls, bound at run time to Open MPI's <c>libmpi.so.40</c>. Open MPI's handles are
/// the addresses of exported globals (<c>MPI_COMM_WORLD</c> is <c>&amp;ompi_mpi_comm_world</c>), so they are looked up
/// as exports and held as <see cref="nint"/>; MPICH and MS-MPI use integer handles from their headers instead and are
/// not supported (their libraries have no such exports, which the error says). Not thread-safe: one caller at a time.
/// </summary>
internal sealed unsafe class MpiLibrary
{
    /// <summary>Open MPI's library names: the ABI-versioned one its Debian, RPM and source installs ship, then the plain one.</summary>
    private static readonly string[] Names = ["libmpi.so.40", "libmpi.so"];

    /// <summary>Open MPI's <c>MPI_THREAD_SERIALIZED</c>: any thread may call, one at a time.</summary>
    private const int ThreadSerialized = 2;

    /// <summary>Open MPI's <c>MPI_IN_PLACE</c> sentinel.</summary>
    public static readonly nint InPlace = 1;

    private readonly delegate* unmanaged<int*, int> _initialized, _finalized;
    private readonly delegate* unmanaged<int*, nint, int, int*, int> _initThread;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<nint, int*, int> _commRank, _commSize;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, int> _bcast;
    private readonly delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int> _allgather;
    private readonly delegate* unmanaged<void*, int, nint, void*, int, nint, int, nint, int> _gather;
    private readonly delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, int, nint, int> _gatherv;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<nint, int, int> _abort;

    private MpiLibrary(nint library, string name)
    {
        Name = name;
        nint Handle(string symbol) => NativeLibrary.TryGetExport(library, symbol, out var address) ? address
            : throw new DllNotFoundException($"'{name}' has no export '{symbol}': it is not Open MPI's library. MlNetConv binds Open MPI (libmpi.so.40) only; MPICH and MS-MPI use integer handles that are not exported.");
        nint Function(string symbol) => NativeLibrary.TryGetExport(library, symbol, out var address) ? address
            : throw new DllNotFoundException($"'{name}' has no function '{symbol}'.");
        CommWorld = Handle("ompi_mpi_comm_world");
        Float = Handle("ompi_mpi_float");
        Double = Handle("ompi_mpi_double");
        Byte = Handle("ompi_mpi_byte");
        Int = Handle("ompi_mpi_int");
        Sum = Handle("ompi_mpi_op_sum");
        _initialized = (delegate* unmanaged<int*, int>)Function("MPI_Initialized");
        _finalized = (delegate* unmanaged<int*, int>)Function("MPI_Finalized");
        _initThread = (delegate* unmanaged<int*, nint, int, int*, int>)Function("MPI_Init_thread");
        _finalize = (delegate* unmanaged<int>)Function("MPI_Finalize");
        _commRank = (delegate* unmanaged<nint, int*, int>)Function("MPI_Comm_rank");
        _commSize = (delegate* unmanaged<nint, int*, int>)Function("MPI_Comm_size");
        _allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Function("MPI_Allreduce");
        _bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Function("MPI_Bcast");
        _allgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)Function("MPI_Allgather");
        _gather = (delegate* unmanaged<void*, int, nint, void*, int, nint, int, nint, int>)Function("MPI_Gather");
        _gatherv = (delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, int, nint, int>)Function("MPI_Gatherv");
        _barrier = (delegate* unmanaged<nint, int>)Function("MPI_Barrier");
        _abort = (delegate* unmanaged<nint, int, int>)Function("MPI_Abort");
    }

    /// <summary>The library file that was loaded.</summary>
    public string Name { get; }

    public nint CommWorld { get; }
    public nint Float { get; }
    public nint Double { get; }
    public nint Byte { get; }
    public nint Int { get; }
    public nint Sum { get; }

    /// <summary>Loads Open MPI's library, by <paramref name="path"/> when given, else by its names on the loader's path.</summary>
    /// <exception cref="DllNotFoundException">it is not installed (the message says what to install) or is not Open MPI</exception>
    public static MpiLibrary Load(string? path = null)
    {
        string reason = "";
        foreach (string name in path is null ? Names : [path])
        {
            // Open MPI loads its components as plug-ins that resolve symbols of libmpi itself, so it must be global.
            nint library = Posix.OpenGlobal(name, out reason);
            if (library != 0) return new MpiLibrary(library, name);
        }
        throw new DllNotFoundException(path is null
            ? $"Open MPI's library ({string.Join(" or ", Names)}) is not installed: on Debian or Ubuntu 'apt-get install openmpi-bin libopenmpi-dev', elsewhere Open MPI 4 or 5 from your distribution or cluster modules ('module load openmpi'). ({reason})"
            : $"The MPI library '{path}' could not be loaded: {reason}");
    }

    public bool Initialized()
    {
        int flag;
        Check(_initialized(&flag), "MPI_Initialized");
        return flag != 0;
    }

    public bool Finalized()
    {
        int flag;
        Check(_finalized(&flag), "MPI_Finalized");
        return flag != 0;
    }

    public void Init()
    {
        int provided;
        Check(_initThread(null, 0, ThreadSerialized, &provided), "MPI_Init_thread");
    }

    public void FinalizeMpi() => Check(_finalize(), "MPI_Finalize");

    public int CommRank(nint comm)
    {
        int rank;
        Check(_commRank(comm, &rank), "MPI_Comm_rank");
        return rank;
    }

    public int CommSize(nint comm)
    {
        int size;
        Check(_commSize(comm, &size), "MPI_Comm_size");
        return size;
    }

    public void AllReduce(void* send, void* receive, int count, nint type, nint op, nint comm) =>
        Check(_allreduce(send, receive, count, type, op, comm), "MPI_Allreduce");

    public void Broadcast(void* values, int count, nint type, int root, nint comm) => Check(_bcast(values, count, type, root, comm), "MPI_Bcast");

    public void AllGather(void* send, int sendCount, nint sendType, void* receive, int receiveCount, nint receiveType, nint comm) =>
        Check(_allgather(send, sendCount, sendType, receive, receiveCount, receiveType, comm), "MPI_Allgather");

    public void Gather(void* send, int sendCount, nint sendType, void* receive, int receiveCount, nint receiveType, int root, nint comm) =>
        Check(_gather(send, sendCount, sendType, receive, receiveCount, receiveType, root, comm), "MPI_Gather");

    public void GatherV(void* send, int sendCount, nint sendType, void* receive, int* receiveCounts, int* displacements, nint receiveType, int root, nint comm) =>
        Check(_gatherv(send, sendCount, sendType, receive, receiveCounts, displacements, receiveType, root, comm), "MPI_Gatherv");

    public void Barrier(nint comm) => Check(_barrier(comm), "MPI_Barrier");

    public void Abort(nint comm, int exitCode) => _abort(comm, exitCode);

    /// <summary>MPI's default error handler ends the job on an error, so a code other than MPI_SUCCESS is rare.</summary>
    private static void Check(int code, string function)
    {
        if (code != 0) throw new InvalidOperationException($"{function} failed with MPI error code {code}.");
    }

    /// <summary>glibc's dlopen with RTLD_GLOBAL, which <see cref="NativeLibrary.Load(string)"/> does not offer.</summary>
    private static class Posix
    {
        private const int LazyBinding = 0x1, Global = 0x100;

        [DllImport("libc.so.6", EntryPoint = "dlopen")]
        private static extern nint DlOpen(string file, int mode);

        [DllImport("libc.so.6", EntryPoint = "dlerror")]
        private static extern nint DlError();

        /// <param name="error">the loader's reason when it returns 0</param>
        public static nint OpenGlobal(string name, out string error)
        {
            if (!OperatingSystem.IsLinux())
            {
                error = "MPI is bound on Linux only";
                return 0;
            }
            // The first call binds dlerror itself (which would reset the message) and clears any earlier message.
            DlError();
            nint library = DlOpen(name, LazyBinding | Global);
            error = library != 0 ? "" : Marshal.PtrToStringUTF8(DlError()) ?? "no message from the loader";
            return library;
        }
    }
}
