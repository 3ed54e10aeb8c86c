namespace MlNetConv.Geometry;

/// <summary>
/// Which input maps feed each output map of a sparsely connected convolution (LeNet-5's S2 -> C3).
/// The weights of such a convolution are stored per connection: (Connections, kernel...).
/// </summary>
public sealed class ConnectionTable
{
    private readonly int[][] _inputsOf;

    /// <param name="inputsOf">for every output map, the input maps it reads, in ascending order</param>
    public ConnectionTable(int inputChannels, int[][] inputsOf)
    {
        ArgumentNullException.ThrowIfNull(inputsOf);
        InputChannels = inputChannels;
        _inputsOf = new int[inputsOf.Length][];
        for (int o = 0; o < inputsOf.Length; o++)
        {
            var inputs = inputsOf[o] ?? throw new ArgumentException($"Connection table: output map {o} has no input list.");
            if (inputs.Length == 0) throw new ArgumentException($"Connection table: output map {o} reads no input map.");
            foreach (int i in inputs)
                if (i < 0 || i >= inputChannels)
                    throw new ArgumentException($"Connection table: output map {o} reads input map {i}, but there are {inputChannels} input maps.");
            if (inputs.Distinct().Count() != inputs.Length)
                throw new ArgumentException($"Connection table: output map {o} lists an input map twice.");
            _inputsOf[o] = inputs.Order().ToArray();
        }
    }

    public int InputChannels { get; }
    public int OutputChannels => _inputsOf.Length;
    public int Connections => _inputsOf.Sum(a => a.Length);
    public IReadOnlyList<int> InputsOf(int output) => _inputsOf[output];

    /// <summary>A table from a matrix connected[input, output] (the layout of LeNet-5's Table I).</summary>
    public static ConnectionTable FromMatrix(bool[,] connected)
    {
        int inputs = connected.GetLength(0), outputs = connected.GetLength(1);
        var lists = new int[outputs][];
        for (int o = 0; o < outputs; o++)
            lists[o] = Enumerable.Range(0, inputs).Where(i => connected[i, o]).ToArray();
        return new ConnectionTable(inputs, lists);
    }

    /// <summary>
    /// LeNet-5's S2 -> C3 table (LeCun et al. 1998, Table I): maps 0-5 read 3 contiguous maps, 6-11 read 4 contiguous,
    /// 12-14 read 4 non-contiguous, 15 reads all six — 60 connections.
    /// </summary>
    public static ConnectionTable LeNet5C3 { get; } = new(6,
    [
        [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [0, 4, 5], [0, 1, 5],
        [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [0, 3, 4, 5], [0, 1, 4, 5], [0, 1, 2, 5],
        [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5],
        [0, 1, 2, 3, 4, 5],
    ]);

    internal int[][] ToArrays() => _inputsOf.Select(a => (int[])a.Clone()).ToArray();
}
