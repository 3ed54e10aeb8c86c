using MlNetConv.Backends;
using MlNetConv.Tensors;

namespace MlNetConv.Conformance;

/// <summary>
/// What one run of a case produced on one backend, by name and in order: tensors read back to the host, index tensors,
/// scalars, and the message of an expected exception. Two runs are compared entry by entry.
/// </summary>
public sealed class Results(IBackend backend)
{
    private readonly List<(string Name, object Value, Tolerance Tolerance)> _entries = [];

    public IBackend Backend { get; } = backend;
    public IReadOnlyList<(string Name, object Value, Tolerance Tolerance)> Entries => _entries;

    /// <summary>A new tensor on this run's backend holding <paramref name="values"/>.</summary>
    public Tensor Tensor(Shape shape, float[] values)
    {
        var t = Backend.Allocate(shape);
        t.CopyFrom(values);
        return t;
    }

    public IndexTensor Indices(Shape shape, int[] values)
    {
        var t = Backend.AllocateIndices(shape);
        Backend.UploadIndices(values, t);
        return t;
    }

    public void Add(string name, Tensor tensor, Tolerance? tolerance = null) => _entries.Add((name, tensor.ToArray(), tolerance ?? Tolerance.Default));

    public void Add(string name, IndexTensor tensor)
    {
        var values = new int[tensor.Size];
        Backend.DownloadIndices(tensor, values);
        _entries.Add((name, values, Tolerance.Exact));
    }

    public void Add(string name, double value, Tolerance? tolerance = null) => _entries.Add((name, new[] { (float)value }, tolerance ?? Tolerance.Default));

    public void Add(string name, float[] values, Tolerance? tolerance = null) => _entries.Add((name, values, tolerance ?? Tolerance.Default));

    /// <summary>Records the exception type and message of <paramref name="action"/> (or that it did not throw).</summary>
    public void Throws(string name, Action action)
    {
        string outcome;
        try
        {
            action();
            outcome = "no exception";
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            outcome = $"{e.GetType().Name}: {e.Message}";
        }
        _entries.Add((name, outcome, Tolerance.Exact));
    }

    /// <summary>Compares a subject's results with the reference's; throws <see cref="ParityException"/> at the first difference.</summary>
    public static void Compare(string @case, Results reference, Results subject)
    {
        if (reference.Entries.Count != subject.Entries.Count)
            throw new ParityException($"{@case}: the reference recorded {reference.Entries.Count} results, the subject {subject.Entries.Count}.");
        for (int i = 0; i < reference.Entries.Count; i++)
        {
            var (name, expected, tolerance) = reference.Entries[i];
            var actual = subject.Entries[i].Value;
            string what = $"{@case}: {name}";
            switch (expected)
            {
                case float[] e: Parity.AssertClose(what, e, (float[])actual, tolerance); break;
                case int[] e: Parity.AssertEqual(what, e, (int[])actual); break;
                case string e when e != (string)actual: throw new ParityException($"{what}: the reference gave '{e}', the subject '{actual}'.");
            }
        }
    }
}
