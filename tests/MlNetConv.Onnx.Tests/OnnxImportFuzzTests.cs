using System.Diagnostics;
using Xunit.Abstractions;

namespace MlNetConv.Onnx.Tests;

/// <summary>
/// Mutated small models (truncations, bit flips, overwritten bytes, forged varint lengths, inserted and deleted runs) go
/// to the importer: each either imports or fails with <see cref="InvalidDataException"/> or
/// <see cref="NotSupportedException"/>, within a time and an allocation bound.
/// </summary>
[Collection(AllocationMeasurements.Name)]
public sealed class OnnxImportFuzzTests(ITestOutputHelper output)
{
    /// <summary>What one import may allocate: the importer's fixed costs (a computed constant may hold 2^16 values) plus a multiple of the file.</summary>
    private static long AllocationBound(int fileBytes) => (4L << 20) + 100L * fileBytes;

    /// <summary>
    /// The bound on the whole process's allocations during one import: import runs on the calling thread, whose count is
    /// held to <see cref="AllocationBound"/>; other threads (the thread pool, finalizers) only add noise, which this bounds.
    /// </summary>
    private const long ProcessAllocationBound = 64L << 20;

    [Fact]
    public void MutatedModelsFailCleanlyQuicklyAndWithinMemory()
    {
        (string Name, byte[] Bytes)[] seeds =
            [("tiny", OnnxModels.Tiny()), ("traced", OnnxModels.ShapeArithmetic(13)), ("traced11", OnnxModels.ShapeArithmetic(11)), ("computed", OnnxModels.ComputedTensors())];
        var random = new Random(20240611);
        int imported = 0, invalid = 0, unsupported = 0;
        long worstBytes = 0, worstProcess = 0;
        var worstTime = TimeSpan.Zero;
        var failures = new List<string>();
        for (int i = 0; i < 450; i++)
        {
            var (name, seed) = seeds[i % seeds.Length];
            var (mutation, bytes) = Mutate(seed, random);
            long before = GC.GetTotalAllocatedBytes(precise: true), beforeThread = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            try
            {
                using var network = OnnxImport.FromBytes(bytes);
                imported++;
            }
            catch (InvalidDataException e)
            {
                invalid++;
                if (!e.Message.StartsWith("ONNX file '(bytes)': ", StringComparison.Ordinal)) failures.Add($"{name} {mutation}: unnamed message {e.Message}");
            }
            catch (NotSupportedException)
            {
                unsupported++;
            }
            catch (Exception e)
            {
                failures.Add($"{name} {mutation}: {e.GetType().Name}: {e.Message}");
            }
            clock.Stop();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - beforeThread, process = GC.GetTotalAllocatedBytes(precise: true) - before;
            worstBytes = Math.Max(worstBytes, allocated);
            worstProcess = Math.Max(worstProcess, process);
            if (process > ProcessAllocationBound) failures.Add($"{name} {mutation}: the process allocated {process:N0} bytes");
            worstTime = clock.Elapsed > worstTime ? clock.Elapsed : worstTime;
            if (allocated > AllocationBound(bytes.Length)) failures.Add($"{name} {mutation}: allocated {allocated:N0} bytes");
            if (clock.Elapsed > TimeSpan.FromSeconds(5)) failures.Add($"{name} {mutation}: took {clock.Elapsed}");
        }
        output.WriteLine($"450 mutations: {imported} imported, {invalid} invalid, {unsupported} unsupported; worst allocation {worstBytes:N0} bytes (process-wide {worstProcess:N0}), worst time {worstTime.TotalMilliseconds:F0} ms");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.True(invalid > 100, "most mutations should break the file");
    }

    private static (string Mutation, byte[] Bytes) Mutate(byte[] seed, Random random)
    {
        var bytes = (byte[])seed.Clone();
        int at = random.Next(bytes.Length);
        switch (random.Next(6))
        {
            case 0:
                return ($"truncated at {at}", bytes[..at]);
            case 1:
                int flips = 1 + random.Next(4);
                for (int k = 0; k < flips; k++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return ($"{flips} bits flipped", bytes);
            case 2:
                byte value = (byte)(random.Next(3) switch { 0 => 0, 1 => 0xFF, _ => random.Next(256) });
                bytes[at] = value;
                return ($"byte {at} = {value}", bytes);
            case 3:
                // A forged varint (a length or a dimension) of up to 2^63.
                byte[] varint = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F];
                int length = 1 + random.Next(varint.Length);
                Array.Copy(varint, varint.Length - length, bytes, at, Math.Min(length, bytes.Length - at));
                return ($"varint of {length} bytes at {at}", bytes);
            case 4:
                var run = new byte[1 + random.Next(16)];
                random.NextBytes(run);
                return ($"{run.Length} bytes inserted at {at}", [.. bytes[..at], .. run, .. bytes[at..]]);
            default:
                int count = Math.Min(1 + random.Next(16), bytes.Length - at);
                return ($"{count} bytes deleted at {at}", [.. bytes[..at], .. bytes[(at + count)..]]);
        }
    }
}
