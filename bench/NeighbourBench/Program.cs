using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Bench;
using MlNetConv.Neighbours;
using MlNetConv.Tensors;

// Exact nearest-neighbour search on the CPU backend: QUERIES queries against N vectors of DIM values (by default the
// 10,000 x 10,000 x 512 of a test set searched against a training set of last-hidden-layer features), k nearest each.
// Prints the machine, the index's build time, the search's median time over RUNS runs and its rate counted as the
// matrix product's 2·queries·N·DIM FLOP, the products alone on the same blocks (the floor the scan and the direct
// re-ranking add to), and the plain double-precision twin on a few queries, scaled up.
// Usage: NeighbourBench [--n N] [--queries Q] [--dim D] [--k K] [--runs R] [--reference-queries M]

int n = 10_000, queries = 10_000, dim = 512, k = 6, runs = 5, referenceQueries = 100;
for (int i = 0; i < args.Length; i++)
{
    int value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
    switch (args[i++])
    {
        case "--n": n = value; break;
        case "--queries": queries = value; break;
        case "--dim": dim = value; break;
        case "--k": k = value; break;
        case "--runs": runs = value; break;
        case "--reference-queries": referenceQueries = value; break;
        default: Console.Error.WriteLine($"unknown argument {args[i - 1]}"); return 2;
    }
}

string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
string cpu = File.Exists("/proc/cpuinfo")
    ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
    : "?";
Console.WriteLine(Invariant($"# machine={Environment.MachineName} cpu=\"{cpu}\" threads={Environment.ProcessorCount} vector512={Vector512.IsHardwareAccelerated} .NET {Environment.Version}"));
double peak = FmaPeak.Measure(Environment.ProcessorCount);
Console.WriteLine(Invariant($"case=fma_loop gflops={peak:F1} note=FP32 peak of this machine now"));

// Features as after a ReLU: 100 classes around their centres, clipped at zero.
var (train, trainLabels) = Features(n, dim, classes: 100, seed: 1);
var (test, testLabels) = Features(queries, dim, classes: 100, seed: 2);
IBackend backend = CpuBackend.Default;

long start = Stopwatch.GetTimestamp();
using var index = new NearestNeighbourIndex(backend, train, dim, trainLabels);
Console.WriteLine(Invariant($"case=build n={n} dim={dim} ms={Stopwatch.GetElapsedTime(start).TotalMilliseconds:F1} chunks={index.ToString()}"));

var indices = new int[queries * k];
var distances = new float[queries * k];
var times = new List<double>();
for (int r = 0; r < runs + 1; r++)
{
    start = Stopwatch.GetTimestamp();
    index.Search(test, k, indices, distances);
    if (r > 0) times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds); // the first run warms up
}
times.Sort();
double ms = times[times.Count / 2], flops = 2.0 * queries * n * dim;
double precision = RetrievalMetrics.PrecisionAtK(testLabels, index.LabelsOf(indices), k);
Console.WriteLine(Invariant($"case=search queries={queries} n={n} dim={dim} k={k} median_ms={ms:F1} min_ms={times[0]:F1} queries_per_s={queries / ms * 1000:F0} product_gflops={flops / ms / 1e6:F1} machine_pct={100 * flops / ms / 1e6 / peak:F1} precision_at_k={precision:F4}"));

// The matrix products alone, in the index's own blocks: what the search cannot go below.
{
    int chunk = (int)Math.Ceiling(n / Math.Ceiling(n / (double)Math.Max(1, (4 << 20) / dim)));
    int block = Math.Max(1, Math.Min((4 << 20) / chunk, (4 << 20) / dim));
    using var input = backend.Allocate(new Shape(Math.Min(block, queries), dim));
    using var weights = backend.Allocate(new Shape(chunk, dim));
    using var bias = backend.Allocate(new Shape(chunk));
    using var output = backend.Allocate(new Shape(Math.Min(block, queries), chunk));
    input.CopyFrom(test.AsSpan(0, input.Size));
    weights.CopyFrom(train.AsSpan(0, weights.Size));
    var host = new float[output.Size];
    int products = (int)Math.Ceiling(queries / (double)input.Shape[0]) * (int)Math.Ceiling(n / (double)chunk);
    var productTimes = new List<double>();
    for (int r = 0; r < runs + 1; r++)
    {
        start = Stopwatch.GetTimestamp();
        for (int p = 0; p < products; p++)
        {
            backend.Dense.Forward(input, weights, bias, output);
            backend.Download(output, host);
        }
        if (r > 0) productTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }
    productTimes.Sort();
    double productMs = productTimes[productTimes.Count / 2];
    Console.WriteLine(Invariant($"case=products_only blocks={products} of {input.Shape[0]}x{chunk}x{dim} median_ms={productMs:F1} gflops={2.0 * products * input.Shape[0] * chunk * dim / productMs / 1e6:F1} search_over_products={ms / productMs:F2}"));
}

// The double-precision twin on a few queries, which must agree, scaled to all of them.
{
    start = Stopwatch.GetTimestamp();
    var reference = NearestNeighbourReference.Search(train, dim, test.AsSpan(0, referenceQueries * dim), k);
    double referenceMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds * queries / referenceQueries;
    bool same = reference.Indices.AsSpan().SequenceEqual(indices.AsSpan(0, referenceQueries * k));
    Console.WriteLine(Invariant($"case=reference queries={referenceQueries} scaled_ms={referenceMs:F0} speedup={referenceMs / ms:F0} same_neighbours={same}"));
}
return 0;

static (float[] Values, int[] Labels) Features(int count, int dim, int classes, int seed)
{
    var centres = new RandomStream(99, "centres");
    var centre = new float[classes * dim];
    for (int i = 0; i < centre.Length; i++) centre[i] = (float)centres.NextGaussian();
    var random = new RandomStream((ulong)seed, "features");
    var values = new float[count * dim];
    var labels = new int[count];
    for (int i = 0; i < count; i++)
    {
        labels[i] = random.NextInt(classes);
        for (int j = 0; j < dim; j++) values[i * dim + j] = MathF.Max(0, centre[labels[i] * dim + j] + (float)(1.6 * random.NextGaussian()));
    }
    return (values, labels);
}
