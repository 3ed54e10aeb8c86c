using System.Runtime.CompilerServices;
using TorchSharp;

namespace MlNetConv.Bench.Compare;

/// <summary>TorchSharp-cpu as the peer: loaded once, with as many intra-op threads as MlNetConv uses.</summary>
internal static class TorchSharpPeer
{
    public const string Name = "torchsharp-cpu";
    private const int MaxReason = 240;

    /// <summary>Patches the output copy of the native library if needed, loads it and sets the threads; null when it works, else why not.</summary>
    public static string? TryInitialize(int threads)
    {
        try
        {
            foreach (string path in LibTorchSharpPatch.Apply(AppContext.BaseDirectory))
                Console.WriteLine($"# marked the {LibTorchSharpPatch.Version} requirement of {Path.GetFileName(path)} weak in this program's output copy");
            Load(threads);
            return null;
        }
        catch (Exception e)
        {
            var inner = e;
            while (inner.InnerException is not null) inner = inner.InnerException;
            // TorchSharp appends a long trace of its loading attempts: the first sentences say what failed.
            string message = inner.Message.ReplaceLineEndings(" ");
            if (message.Length > MaxReason) message = message[..MaxReason] + "...";
            return $"{e.GetType().Name}: {message}";
        }
    }

    // Separate and not inlined, so that TorchSharp's native library is touched only after the patch.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Load(int threads)
    {
        torch.set_num_threads(threads);
        torch.set_num_interop_threads(1);
        torch.random.manual_seed(1);
        using var probe = torch.ones(2, 2).mm(torch.ones(2, 2));
        if (probe.sum().item<float>() != 8f) throw new InvalidOperationException("TorchSharp computed a wrong 2x2 product.");
    }
}
