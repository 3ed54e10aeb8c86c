using System.Globalization;
using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Neighbours;
using MlNetConv.Tensors;
using MlNetConv.Tests.Backends;

namespace MlNetConv.Tests.Neighbours;

/// <summary>
/// The index against its plain twin (<see cref="NearestNeighbourReference"/>, sums in double) over random shapes, at every
/// vector width this machine has: exactly on small integers (where no float sum rounds, so ties and duplicates abound),
/// within rounding on real-valued data; and the same bits whatever the backend, chunking or blocking.
/// </summary>
public sealed class NearestNeighbourIndexTests
{
    private static readonly CpuBackend Cpu = new();
    private static readonly CpuBackend ReferenceCpu = new(new CpuBackendOptions { ReferenceKernels = true });

    public static TheoryData<string> Isas()
    {
        var data = new TheoryData<string>();
        foreach (var isa in NeighbourIsas.Available) data.Add(isa.ToString());
        return data;
    }

    [Theory, MemberData(nameof(Isas))]
    public void SmallIntegers_MatchReferenceExactly_TiesAndDuplicatesIncluded(string isaName)
    {
        var isa = Enum.Parse<NeighbourIsa>(isaName);
        var random = new RandomStream(71, "neighbours integers " + isaName);
        for (int trial = 0; trial < 120; trial++)
        {
            int n = random.Pick(1, 2, 3, 5, 8, 16, 17, 31, 64, 100, 257), d = random.Pick(1, 2, 3, 5, 8, 15, 16, 17, 31, 33, 64, 129);
            int count = random.Pick(1, 2, 7, 19, 40);
            bool leaveOut = n > 1 && random.NextInt(3) == 0;
            int k = 1 + random.NextInt(leaveOut ? n - 1 : n);
            var vectors = SmallIntegers(n * d, random, levels: random.Pick(2, 3, 7));
            Duplicate(vectors, n, d, random);
            // Queries: new points and copies of indexed vectors (distance 0, ties with duplicates).
            var queries = SmallIntegers(count * d, random, levels: 7);
            for (int q = 0; q < count; q += 2) vectors.AsSpan(random.NextInt(n) * d, d).CopyTo(queries.AsSpan(q * d, d));
            int[] excluded = leaveOut ? [.. Enumerable.Range(0, count).Select(_ => random.NextInt(n + 1) - 1)] : [];
            var options = RandomOptions(random, isa, n);
            string what = $"trial {trial}: n={n} d={d} k={k} queries={count} leave-out={leaveOut} chunk={options.ChunkVectors} block={options.DistanceBlockFloats} {isa}";

            using var index = new NearestNeighbourIndex(random.NextInt(4) == 0 ? ReferenceCpu : Cpu, vectors, d, options: options);
            var actual = index.Search(queries, k, excluded);
            var expected = NearestNeighbourReference.Search(vectors, d, queries, k, excluded);
            AssertSame(expected, actual, what);
        }
    }

    [Theory, MemberData(nameof(Isas))]
    public void RealValues_MatchReferenceWithinRounding(string isaName)
    {
        var isa = Enum.Parse<NeighbourIsa>(isaName);
        var random = new RandomStream(72, "neighbours reals " + isaName);
        for (int trial = 0; trial < 60; trial++)
        {
            int n = random.Pick(1, 4, 17, 50, 129, 300), d = random.Pick(1, 3, 16, 17, 48, 100, 257);
            int count = random.Pick(1, 5, 33), k = 1 + random.NextInt(Math.Min(n, 12));
            // Clustered features with an offset, as after a ReLU: near neighbours are much closer than the norms.
            float offset = random.Pick(0f, 3f, 100f), spread = random.Pick(1f, 0.01f);
            var centres = Gaussian(4 * d, random, 1, offset);
            var vectors = Clustered(n, d, centres, spread, random);
            var queries = Clustered(count, d, centres, spread, random);
            var options = RandomOptions(random, isa, n);
            string what = $"trial {trial}: n={n} d={d} k={k} queries={count} offset={offset} spread={spread} {isa}";

            using var index = new NearestNeighbourIndex(Cpu, vectors, d, options: options);
            var actual = index.Search(queries, k);
            AssertNearest(vectors, d, queries, k, actual, what);
        }
    }

    /// <summary>
    /// Two clusters a long way from the origin and from each other (so centring cannot help), whose members differ by
    /// 1/64: the expansion in float loses those differences entirely, the direct distances keep them exactly.
    /// </summary>
    [Theory, MemberData(nameof(Isas))]
    public void FarClustersOfTinyDifferences_ExpansionAloneFails_IndexExact(string isaName)
    {
        var isa = Enum.Parse<NeighbourIsa>(isaName);
        var random = new RandomStream(73, "far clusters");
        const int n = 200, d = 24, count = 30, k = 5;
        var vectors = new float[n * d];
        var queries = new float[count * d];
        for (int i = 0; i < n + count; i++)
        {
            var row = i < n ? vectors.AsSpan(i * d, d) : queries.AsSpan((i - n) * d, d);
            float centre = i % 2 == 0 ? 3000 : -3000;
            for (int j = 0; j < d; j++) row[j] = centre + random.NextInt(9) / 64f;
        }
        using var index = new NearestNeighbourIndex(Cpu, vectors, d, options: new NearestNeighbourOptions { Isa = isa });
        var expected = NearestNeighbourReference.Search(vectors, d, queries, k);
        AssertSame(expected, index.Search(queries, k), "far clusters " + isa);

        // The same search ranked by the float expansion alone returns other neighbours: the re-ranking is what makes it right.
        int wrong = 0;
        for (int q = 0; q < count; q++)
        {
            int at = q * d;
            float queryTerm = Dot(queries.AsSpan(at, d), queries.AsSpan(at, d));
            var expanded = Enumerable.Range(0, n).Select(i => queryTerm + Dot(vectors.AsSpan(i * d, d), vectors.AsSpan(i * d, d)) - 2 * Dot(queries.AsSpan(at, d), vectors.AsSpan(i * d, d))).ToArray();
            var byExpansion = Enumerable.Range(0, n).OrderBy(i => expanded[i]).ThenBy(i => i).Take(k);
            if (!byExpansion.SequenceEqual(expected.IndicesOf(q).ToArray())) wrong++;
        }
        Assert.True(wrong > count / 2, $"the float expansion ranked {count - wrong} of {count} queries right: the data should defeat it");
    }

    [Theory, MemberData(nameof(Isas))]
    public void LeaveOneOut_NeverReturnsTheQueryItself_AndMatchesReference(string isaName)
    {
        var isa = Enum.Parse<NeighbourIsa>(isaName);
        var random = new RandomStream(74, "leave one out");
        const int n = 90, d = 7, k = 4;
        var vectors = SmallIntegers(n * d, random, levels: 3);
        Duplicate(vectors, n, d, random);
        var labels = Enumerable.Range(0, n).Select(i => i % 3).ToArray();
        using var index = new NearestNeighbourIndex(Cpu, vectors, d, labels, new NearestNeighbourOptions { Isa = isa, ChunkVectors = 32 });
        var actual = index.SearchLeaveOneOut(k);
        var expected = NearestNeighbourReference.Search(vectors, d, vectors, k, [.. Enumerable.Range(0, n)]);
        AssertSame(expected, actual, "leave one out");
        for (int q = 0; q < n; q++) Assert.DoesNotContain(q, actual.IndicesOf(q).ToArray());
        Assert.Equal(labels[actual.Indices[5]], index.LabelsOf(actual.Indices)[5]);
    }

    /// <summary>The result depends on the direct distances only: not on the backend's product, the chunks or the blocks.</summary>
    [Fact]
    public void Results_AreTheSameBits_OnEveryBackendChunkingAndBlocking()
    {
        var random = new RandomStream(75, "same bits");
        const int n = 333, d = 45, count = 61, k = 9;
        var vectors = Gaussian(n * d, random, 1, 0.5f);
        var queries = Gaussian(count * d, random, 1, 0.5f);
        using var plain = new NearestNeighbourIndex(Cpu, vectors, d);
        var first = plain.Search(queries, k);
        Assert.Equal(1, plain.ChunkCount);
        foreach (var (backend, chunk, block) in new[] { (ReferenceCpu, 0, 4 << 20), (Cpu, 50, 200), (ReferenceCpu, 7, 1), (Cpu, 332, 1000) })
        {
            using var index = new NearestNeighbourIndex(backend, vectors, d, options: new NearestNeighbourOptions { ChunkVectors = chunk, DistanceBlockFloats = block });
            var again = index.Search(queries, k);
            Assert.Equal(first.Indices, again.Indices);
            Assert.Equal(first.Distances.Select(BitConverter.SingleToInt32Bits), again.Distances.Select(BitConverter.SingleToInt32Bits));
        }
        Assert.Equal(first.Distances, plain.Search(queries, k).Distances);
    }

    /// <summary>The bound every exclusion rests on holds for the backend's product on data of many scales, and is not wildly loose.</summary>
    [Fact]
    public void ExpansionBound_CoversTheProductsError()
    {
        var random = new RandomStream(76, "bound");
        double worst = 0;
        foreach (var backend in new[] { Cpu, ReferenceCpu })
            for (int trial = 0; trial < 12; trial++)
            {
                int n = random.Pick(5, 40, 100), d = random.Pick(1, 8, 100, 513), count = 7;
                float offset = random.Pick(0f, 10f, 1000f), scale = random.Pick(1e-20f, 1f, 1e10f);
                var vectors = Gaussian(n * d, random, scale, offset * scale);
                var queries = Gaussian(count * d, random, scale, offset * scale);
                var mean = Enumerable.Range(0, d).Select(j => (float)(Enumerable.Range(0, n).Sum(i => (double)vectors[i * d + j]) / n)).ToArray();
                var centred = vectors.Select((v, i) => v - mean[i % d]).ToArray();
                var input = queries.Select((v, i) => -2 * (v - mean[i % d])).ToArray();
                var squaredNorms = Enumerable.Range(0, n).Select(i => (float)SumSquares(centred.AsSpan(i * d, d))).ToArray();
                var scores = Product(backend, input, centred, squaredNorms, count, n, d);
                var bound = ExpansionBound.For(d, 0);
                for (int q = 0; q < count; q++)
                {
                    double queryTerm = SumSquares(input.AsSpan(q * d, d)) / 4;
                    for (int i = 0; i < n; i++)
                    {
                        float expanded = scores[q * n + i] + (float)queryTerm;
                        float direct = NeighbourKernels.SquaredDistance(queries.AsSpan(q * d, d), vectors.AsSpan(i * d, d), NeighbourIsas.Best);
                        float allowed = bound.Of((float)Math.Sqrt(queryTerm), (float)Math.Sqrt(squaredNorms[i]));
                        double error = Math.Abs((double)expanded - direct);
                        Assert.True(error <= allowed, $"{backend.Name} d={d} scale={scale} offset={offset}: expanded {expanded:G9}, direct {direct:G9}, error {error:E3} > bound {allowed:E3}");
                        worst = Math.Max(worst, error / allowed);
                    }
                }
            }
        Assert.True(worst > 1e-4, $"the largest error was {worst:E2} of the bound: the bound is far looser than it needs to be");
    }

    [Theory, MemberData(nameof(Isas))]
    public void SquaredDistance_EveryLength_WithinFloatSumRounding(string isaName)
    {
        var isa = Enum.Parse<NeighbourIsa>(isaName);
        var random = new RandomStream(77, "squared distance");
        foreach (int length in Enumerable.Range(0, 70).Concat([127, 128, 129, 511, 512, 513, 1000]))
        {
            var a = Gaussian(length, random, 1, 0);
            var b = Gaussian(length, random, 1, 0);
            double exact = 0;
            for (int i = 0; i < length; i++) exact += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
            float actual = NeighbourKernels.SquaredDistance(a, b, isa);
            Assert.True(Math.Abs(actual - exact) <= (length + 3) * Math.Pow(2, -24) * exact + 1e-30, $"length {length}: {actual:G9} vs {exact:G17}");
        }
        // Small integers sum exactly at every width.
        var x = Enumerable.Range(0, 100).Select(i => (float)(i % 7)).ToArray();
        var y = Enumerable.Range(0, 100).Select(i => (float)(i % 5)).ToArray();
        Assert.Equal((float)x.Zip(y, (p, q) => (p - q) * (p - q)).Sum(), NeighbourKernels.SquaredDistance(x, y, isa));
    }

    [Fact]
    public void TenThousandVectorsOf512_AreSearchedInBoundedBlocks()
    {
        var vectors = new float[10_000 * 512];
        for (int i = 0; i < vectors.Length; i++) vectors[i] = i % 13;
        using var index = new NearestNeighbourIndex(Cpu, vectors, 512);
        Assert.Equal(2, index.ChunkCount);
        Assert.True((long)index.BlockQueries * index.ChunkSize <= NearestNeighbourOptions.Default.DistanceBlockFloats,
            $"{index.BlockQueries} queries x {index.ChunkSize} vectors exceeds the distance block");
        Assert.True(index.BlockQueries >= 256, $"blocks of {index.BlockQueries} queries are too small for an efficient product");
    }

    [Fact]
    public void Validation_NamesWhatIsWrong()
    {
        var vectors = new float[] { 0, 0, 1, 1, 2, 2 };
        Assert.Contains("whole number of vectors of dimension 4", Assert.Throws<ArgumentException>(() => new NearestNeighbourIndex(Cpu, vectors, 4)).Message);
        Assert.Contains("at least 1", Assert.Throws<ArgumentOutOfRangeException>(() => new NearestNeighbourIndex(Cpu, vectors, 0)).Message);
        Assert.Contains("at least one vector", Assert.Throws<ArgumentException>(() => new NearestNeighbourIndex(Cpu, [], 2)).Message);
        Assert.Contains("2 labels were given for 3 vectors", Assert.Throws<ArgumentException>(() => new NearestNeighbourIndex(Cpu, vectors, 2, [1, 2])).Message);
        Assert.Contains("Vector 1 has NaN at position 0", Assert.Throws<ArgumentException>(() => new NearestNeighbourIndex(Cpu, [0, 0, float.NaN, 1], 2)).Message);
        Assert.Contains("Vector 0 has Infinity at position 1", Assert.Throws<ArgumentException>(() => new NearestNeighbourIndex(Cpu, [0, float.PositiveInfinity], 2)).Message);
        Assert.Contains("Vector 0 has a squared norm of 2E+36", Assert.Throws<ArgumentException>(() => new NearestNeighbourIndex(Cpu, [1e18f, 1e18f], 2)).Message);
        Assert.Contains("DistanceBlockFloats", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new NearestNeighbourIndex(Cpu, vectors, 2, options: new NearestNeighbourOptions { DistanceBlockFloats = 0 })).Message);

        using var index = new NearestNeighbourIndex(Cpu, vectors, 2);
        Assert.Contains("not a whole number of queries of the index's dimension 2", Assert.Throws<ArgumentException>(() => index.Search([1, 2, 3], 1)).Message);
        Assert.Contains("k must be between 1 and 3", Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1, 2], 0)).Message);
        Assert.Contains("k must be between 1 and 3", Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1, 2], 4)).Message);
        Assert.Contains("k must be between 1 and 2", Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1, 2], 3, [0])).Message);
        Assert.Contains("k must be between 1 and 2", Assert.Throws<ArgumentOutOfRangeException>(() => index.SearchLeaveOneOut(3)).Message);
        Assert.Contains("Query 1 has NaN at position 1", Assert.Throws<ArgumentException>(() => index.Search([1, 2, 3, float.NaN], 1)).Message);
        Assert.Contains("Query 0 excludes index 3", Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1, 2], 1, [3])).Message);
        Assert.Contains("2 excluded indices were given for 1 queries", Assert.Throws<ArgumentException>(() => index.Search([1, 2], 1, [0, 1])).Message);
        Assert.Contains("need 2 indices and distances", Assert.Throws<ArgumentException>(() => index.Search([1, 2], 2, new int[1], new float[2])).Message);
        Assert.Contains("without labels", Assert.Throws<InvalidOperationException>(() => index.LabelsOf([0])).Message);

        using var single = new NearestNeighbourIndex(Cpu, [1, 2], 2, [7]);
        Assert.Contains("leaves none to return", Assert.Throws<ArgumentOutOfRangeException>(() => single.SearchLeaveOneOut(1)).Message);
        Assert.Contains("Index 1 (position 0)", Assert.Throws<ArgumentOutOfRangeException>(() => single.LabelsOf([1])).Message);
        Assert.Equal([7], single.LabelsOf([0]));

        index.Dispose();
        Assert.Throws<ObjectDisposedException>(() => index.Search([1, 2], 1));
    }

    [Fact]
    public void PrecisionAtK_CountsNeighboursOfTheQuerysLabel()
    {
        // Query 0 (label 0): 2 of 3 neighbours share it; query 1 (label 1): 1 of 3.
        Assert.Equal(0.5, RetrievalMetrics.PrecisionAtK([0, 1], [0, 0, 1, 1, 0, 0], 3), 12);
        Assert.Equal(1.0, RetrievalMetrics.PrecisionAtK([4], [4, 4], 2));
        Assert.Equal(0.0, RetrievalMetrics.PrecisionAtK([4], [3], 1));
        Assert.Contains("need 6 neighbour labels, got 5", Assert.Throws<ArgumentException>(() => RetrievalMetrics.PrecisionAtK([0, 1], [0, 0, 1, 1, 0], 3)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => RetrievalMetrics.PrecisionAtK([0], [0], 0));
    }

    [Fact]
    public void Precision_OfSeparatedClusters_IsOne()
    {
        var random = new RandomStream(78, "clusters precision");
        const int n = 120, d = 10, k = 6;
        var centres = Gaussian(3 * d, random, 10, 0);
        var vectors = new float[n * d];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 3;
            for (int j = 0; j < d; j++) vectors[i * d + j] = centres[labels[i] * d + j] + (float)(0.1 * random.NextGaussian());
        }
        using var index = new NearestNeighbourIndex(Cpu, vectors, d, labels);
        var loo = index.SearchLeaveOneOut(k);
        Assert.Equal(1.0, RetrievalMetrics.PrecisionAtK(labels, index.LabelsOf(loo.Indices), k));
        // Shuffled labels retrieve about one in three.
        var shuffled = (int[])labels.Clone();
        random.Shuffle<int>(shuffled);
        double chance = RetrievalMetrics.PrecisionAtK(shuffled, index.LabelsOf(loo.Indices), k);
        Assert.InRange(chance, 0.15, 0.55);
    }

    private static void AssertSame(NeighbourResults expected, NeighbourResults actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int q = 0; q < expected.Count; q++)
        {
            if (!expected.IndicesOf(q).SequenceEqual(actual.IndicesOf(q)) || !expected.DistancesOf(q).SequenceEqual(actual.DistancesOf(q)))
                Assert.Fail($"{what}, query {q}: expected {Describe(expected, q)}, got {Describe(actual, q)}");
        }
    }

    /// <summary>
    /// Real-valued data: each returned distance is its vector's distance (within float rounding of the double one), the
    /// list ascends, ties go to the smaller index, and position by position it is as near as the reference's (within
    /// rounding): a missed neighbour closer by more than rounding fails.
    /// </summary>
    private static void AssertNearest(float[] vectors, int d, float[] queries, int k, NeighbourResults actual, string what)
    {
        var expected = NearestNeighbourReference.Search(vectors, d, queries, k);
        for (int q = 0; q < actual.Count; q++)
        {
            var indices = actual.IndicesOf(q);
            var distances = actual.DistancesOf(q);
            Assert.Equal(k, indices.ToArray().Distinct().Count());
            var query = queries.AsSpan(q * d, d);
            for (int p = 0; p < k; p++)
            {
                var x = vectors.AsSpan(indices[p] * d, d);
                double exact = Math.Sqrt(SquaredDifferences(query, x)), scale = Math.Sqrt(SumSquares(query)) + Math.Sqrt(SumSquares(x));
                double tolerance = (d + 4) * Math.Pow(2, -24) * scale * scale / Math.Max(exact, 1e-30) + 1e-30;
                if (Math.Abs(distances[p] - exact) > tolerance || Math.Abs(distances[p] - expected.DistancesOf(q)[p]) > tolerance
                    || p > 0 && (distances[p] < distances[p - 1] || distances[p] == distances[p - 1] && indices[p] < indices[p - 1]))
                    Assert.Fail($"{what}, query {q}, position {p}: expected {Describe(expected, q)}, got {Describe(actual, q)} (tolerance {tolerance:E2})");
            }
        }
    }

    private static string Describe(NeighbourResults results, int q) =>
        string.Join(", ", results.IndicesOf(q).ToArray().Zip(results.DistancesOf(q).ToArray(), (i, dist) => string.Create(CultureInfo.InvariantCulture, $"{i}@{dist:G9}")));

    private static NearestNeighbourOptions RandomOptions(RandomStream random, NeighbourIsa isa, int n) => new()
    {
        Isa = isa,
        ChunkVectors = random.NextInt(2) == 0 ? 0 : 1 + random.NextInt(n),
        DistanceBlockFloats = random.Pick(1, 50, 1000, 4 << 20),
    };

    /// <summary>Values in {0, …, levels - 1} minus half of that, all exact in float and so are their sums of squares.</summary>
    private static float[] SmallIntegers(int count, RandomStream random, int levels) =>
        [.. Enumerable.Range(0, count).Select(_ => random.NextInt(levels) - levels / 2f)];

    /// <summary>Copies about a quarter of the vectors over others, so that equal distances to different indices abound.</summary>
    private static void Duplicate(float[] vectors, int n, int d, RandomStream random)
    {
        for (int c = 0; c < n / 4; c++) vectors.AsSpan(random.NextInt(n) * d, d).CopyTo(vectors.AsSpan(random.NextInt(n) * d, d));
    }

    private static float[] Gaussian(int count, RandomStream random, float scale, float offset) =>
        [.. Enumerable.Range(0, count).Select(_ => (float)(offset + scale * random.NextGaussian()))];

    /// <summary>(rows, d) points around one of the four centres, spread by <paramref name="spread"/>.</summary>
    private static float[] Clustered(int rows, int d, float[] centres, float spread, RandomStream random)
    {
        var values = new float[rows * d];
        for (int i = 0; i < rows; i++)
        {
            int c = random.NextInt(4);
            for (int j = 0; j < d; j++) values[i * d + j] = centres[c * d + j] + (float)(spread * random.NextGaussian());
        }
        return values;
    }

    private static float[] Product(IBackend backend, float[] input, float[] weights, float[] bias, int rows, int columns, int d)
    {
        using var x = backend.Allocate(new Shape(rows, d));
        using var w = backend.Allocate(new Shape(columns, d));
        using var b = backend.Allocate(new Shape(columns));
        using var y = backend.Allocate(new Shape(rows, columns));
        x.CopyFrom(input);
        w.CopyFrom(weights);
        b.CopyFrom(bias);
        backend.Dense.Forward(x, w, b, y);
        return y.ToArray();
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static double SumSquares(ReadOnlySpan<float> a)
    {
        double sum = 0;
        foreach (float v in a) sum += (double)v * v;
        return sum;
    }

    private static double SquaredDifferences(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        return sum;
    }
}
