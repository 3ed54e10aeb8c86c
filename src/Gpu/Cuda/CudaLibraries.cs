using System.Reflection;
using System.Runtime.InteropServices;

namespace MlNetConv.Gpu.Cuda;

/// <summary>
/// Finds the CUDA driver and cuBLAS on hosts that only have the versioned file names: ILGPU imports "cuda", which the
/// loader looks up as libcuda.so (absent where only the driver is installed: it ships libcuda.so.1), and cuBLAS 13
/// (CUDA 13) is libcublas.so.13, often inside a Python environment (the nvidia-cublas wheel). Set
/// MLNETCONV_CUBLAS to a file or folder to choose one explicitly.
/// </summary>
internal static class CudaLibraries
{
    private static readonly string[] CublasNames = ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"];

    private static readonly string[] LibraryFolders =
    [
        "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib64",
        "/usr/lib/wsl/lib",
    ];

    private static int _installed;

    /// <summary>Installs the driver resolver on ILGPU's assembly once, before the first ILGPU context is created.</summary>
    public static void InstallDriverResolver()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1 || !OperatingSystem.IsLinux()) return;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(ILGPU.Context).Assembly, ResolveDriver);
        }
        catch (InvalidOperationException)
        {
            // ILGPU or the application installed its own resolver (ILGPU does on WSL): keep it.
        }
    }

    private static IntPtr ResolveDriver(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "cuda") return IntPtr.Zero;
        foreach (string candidate in (string[])["libcuda.so.1", "libcuda.so"])
            if (NativeLibrary.TryLoad(candidate, out var handle)) return handle;
        foreach (string folder in LibraryFolders)
            if (NativeLibrary.TryLoad(Path.Combine(folder, "libcuda.so.1"), out var handle)) return handle;
        return IntPtr.Zero;
    }

    /// <summary>cuBLAS for our own bindings (<see cref="CuBlasNative"/>), newest first; zero when there is none.</summary>
    public static IntPtr ResolveCublas(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != CuBlasNative.Library) return IntPtr.Zero;
        if (Environment.GetEnvironmentVariable("MLNETCONV_CUBLAS") is { Length: > 0 } explicitPath)
        {
            if (File.Exists(explicitPath) && NativeLibrary.TryLoad(explicitPath, out var chosen)) return chosen;
            if (LoadFrom(explicitPath) is var fromFolder && fromFolder != IntPtr.Zero) return fromFolder;
        }
        foreach (string candidate in CublasNames)
            if (NativeLibrary.TryLoad(candidate, out var handle)) return handle;
        foreach (string folder in (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(LibraryFolders))
            if (LoadFrom(folder) is var handle && handle != IntPtr.Zero) return handle;
        return IntPtr.Zero;
    }

    private static IntPtr LoadFrom(string folder)
    {
        foreach (string candidate in CublasNames)
        {
            string path = Path.Combine(folder, candidate);
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out var handle)) return handle;
        }
        return IntPtr.Zero;
    }
}
