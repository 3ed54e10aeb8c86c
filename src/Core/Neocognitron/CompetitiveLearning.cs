namespace MlNetConv.Neocognitron;

/// <summary>
/// The learning of one S-layer without backpropagation, one training stimulus at a time, as its planes grow:
/// <list type="bullet">
/// <item><b>Winner-take-all reinforcement</b> (Fukushima 1980; the seed cells of 1997–2003): the S-layer is tiled into
/// square competition areas; in every area where some S-cell fires, the strongest cell (over all planes and
/// positions) wins, and each plane that won somewhere learns once, at its strongest win n̂:
/// Δa(ν, κ, k) = q·c(ν)·u_C(n̂ + ν, κ), Δb(k) = q·v(n̂). Every other plane is unchanged; all cells of a plane share
/// the result.</item>
/// <item><b>Add-if-silent</b> (Fukushima 2013): when every S-cell of an area is silent, a new plane is seeded from the
/// stimulus at the area's most active window (largest V-cell), a = q·c·u_C, b = q·v, as if it had won once from
/// zero. At most one plane is added per stimulus, none once <see cref="MaxPlanes"/> is reached, and none from a
/// window whose V-cell is below <c>seedFloor</c> times the stimulus' largest (a faint margin of a stroke).</item>
/// </list>
/// With a large q the "1 +" terms of the S-cell vanish and a seeded plane responds to an input x with
/// φ(s − θ)/(1 − θ), s the c-weighted cosine between x and its reference: the threshold θ (high, θ_L, while
/// learning) decides what counts as silent, hence how many planes the layer grows. The weights live here, on the
/// host, and are copied into an <see cref="SLayer"/> (<see cref="CopyTo"/>) whose backend computes the responses.
/// </summary>
public sealed class CompetitiveLearning
{
    private readonly List<float[]> _weights = [];
    private readonly List<float> _inhibitions = [];
    private readonly float[] _c;

    /// <param name="learningRate">q: large, so that the S-cell compares directions, not lengths</param>
    public CompetitiveLearning(int inChannels, int kernelSize, float vCellSigma, int maxPlanes, float learningRate)
    {
        if (inChannels <= 0) throw new ArgumentException($"CompetitiveLearning: in_channels must be positive, got {inChannels}.");
        if (maxPlanes <= 0) throw new ArgumentException($"CompetitiveLearning: max_planes must be positive, got {maxPlanes}.");
        if (!(learningRate > 0)) throw new ArgumentException($"CompetitiveLearning: the learning rate q must be positive, got {learningRate}.");
        InChannels = inChannels;
        KernelSize = kernelSize;
        MaxPlanes = maxPlanes;
        LearningRate = learningRate;
        _c = FixedConnections.Gaussian(kernelSize, vCellSigma);
    }

    public int InChannels { get; }
    public int KernelSize { get; }
    public int MaxPlanes { get; }
    public float LearningRate { get; }
    public int Planes => _weights.Count;

    /// <summary>Counts every change of the weights, so a caller knows when to copy them again.</summary>
    public int Version { get; private set; }

    /// <summary>a(ν, κ, k) of plane k: (Cin, k, k).</summary>
    public ReadOnlySpan<float> Weight(int plane) => _weights[plane];

    /// <summary>b(k).</summary>
    public float Inhibition(int plane) => _inhibitions[plane];

    /// <summary>Presents one stimulus: reinforces the winners of the areas that respond, then seeds at most one plane.</summary>
    /// <param name="input">u_C: (Cin, H, W)</param>
    /// <param name="responses">u_S of the current planes at θ_L: (planes, H, W); empty while there are none</param>
    /// <param name="vCells">v: (H, W)</param>
    /// <param name="area">side of the square competition areas, in S-cells</param>
    /// <param name="seedFloor">a plane is seeded only from a window whose v is at least this fraction of the largest</param>
    /// <returns>the index of the seeded plane, or −1</returns>
    public int Present(ReadOnlySpan<float> input, ReadOnlySpan<float> responses, ReadOnlySpan<float> vCells, int height, int width, int area,
        float seedFloor = 0.5f)
    {
        int planes = Planes, cells = height * width;
        if (input.Length != InChannels * cells) throw new ArgumentException($"CompetitiveLearning: input has {input.Length} values, expected ({InChannels}, {height}, {width}).");
        if (responses.Length != planes * cells) throw new ArgumentException($"CompetitiveLearning: responses have {responses.Length} values, expected ({planes}, {height}, {width}).");
        if (vCells.Length != cells) throw new ArgumentException($"CompetitiveLearning: V-cells have {vCells.Length} values, expected ({height}, {width}).");
        if (area <= 0) throw new ArgumentException($"CompetitiveLearning: the competition area must be positive, got {area}.");
        float vMax = 0f;
        foreach (float v in vCells) vMax = Math.Max(vMax, v);
        if (vMax <= 0f) return -1;

        var winners = new (float Response, int Cell)[planes];
        int seedCell = -1;
        float seedV = 0f;
        for (int y0 = 0; y0 < height; y0 += area)
            for (int x0 = 0; x0 < width; x0 += area)
            {
                float best = 0f, bestV = 0f;
                int bestPlane = -1, bestCell = -1, bestVCell = -1;
                for (int y = y0; y < Math.Min(y0 + area, height); y++)
                    for (int x = x0; x < Math.Min(x0 + area, width); x++)
                    {
                        int cell = y * width + x;
                        for (int k = 0; k < planes; k++)
                            if (responses[k * cells + cell] > best) (best, bestPlane, bestCell) = (responses[k * cells + cell], k, cell);
                        if (vCells[cell] > bestV) (bestV, bestVCell) = (vCells[cell], cell);
                    }
                if (bestPlane >= 0)
                {
                    if (best > winners[bestPlane].Response) winners[bestPlane] = (best, bestCell);
                }
                else if (bestV >= seedFloor * vMax && bestV > seedV) (seedV, seedCell) = (bestV, bestVCell);
            }

        var window = new float[InChannels * KernelSize * KernelSize];
        for (int k = 0; k < planes; k++)
        {
            if (winners[k].Response <= 0f) continue;
            int cell = winners[k].Cell;
            CopyWindow(input, height, width, cell / width, cell % width, window);
            Reinforce(k, window, vCells[cell]);
        }
        if (seedCell < 0 || planes >= MaxPlanes) return -1;
        CopyWindow(input, height, width, seedCell / width, seedCell % width, window);
        return Seed(window, vCells[seedCell]);
    }

    /// <summary>Add-if-silent: a new plane with a = q·c·x, b = q·v.</summary>
    /// <param name="window">x = u_C(n + ν, κ): (Cin, k, k)</param>
    /// <returns>the new plane's index</returns>
    public int Seed(ReadOnlySpan<float> window, float v)
    {
        if (Planes >= MaxPlanes) throw new InvalidOperationException($"CompetitiveLearning: already {MaxPlanes} planes, the most allowed.");
        _weights.Add(new float[InChannels * KernelSize * KernelSize]);
        _inhibitions.Add(0f);
        Reinforce(Planes - 1, window, v);
        return Planes - 1;
    }

    /// <summary>The winner's update: Δa = q·c·x, Δb = q·v.</summary>
    /// <param name="window">x = u_C(n̂ + ν, κ): (Cin, k, k)</param>
    public void Reinforce(int plane, ReadOnlySpan<float> window, float v)
    {
        int taps = KernelSize * KernelSize;
        if (window.Length != InChannels * taps) throw new ArgumentException($"CompetitiveLearning: the window has {window.Length} values, expected ({InChannels}, {KernelSize}, {KernelSize}).");
        var a = _weights[plane];
        for (int i = 0; i < a.Length; i++) a[i] += LearningRate * _c[i % taps] * window[i];
        _inhibitions[plane] += LearningRate * v;
        Version++;
    }

    /// <summary>x = u_C(n + ν, κ) around (y, x), zero outside the input, as the S-layer's zero padding sees it.</summary>
    /// <param name="input">(Cin, H, W)</param>
    /// <param name="window">(Cin, k, k), overwritten</param>
    public void CopyWindow(ReadOnlySpan<float> input, int height, int width, int y, int x, Span<float> window)
    {
        int r = KernelSize / 2, i = 0;
        for (int c = 0; c < InChannels; c++)
            for (int dy = -r; dy <= r; dy++)
                for (int dx = -r; dx <= r; dx++, i++)
                {
                    int yy = y + dy, xx = x + dx;
                    window[i] = yy >= 0 && yy < height && xx >= 0 && xx < width ? input[(c * height + yy) * width + xx] : 0f;
                }
    }

    /// <summary>
    /// Copies a and b into the layer; planes the layer has beyond <see cref="Planes"/> get zero weights (such a plane
    /// never fires).
    /// </summary>
    public void CopyTo(SLayer layer)
    {
        if (layer.Planes < Planes || layer.Weight.Shape[1] != InChannels || layer.KernelSize != KernelSize)
            throw new ArgumentException($"CompetitiveLearning: layer '{layer.Name}' {layer.Weight.Shape} cannot hold {Planes} planes of ({InChannels}, {KernelSize}, {KernelSize}).");
        var a = new float[layer.Weight.Size];
        var b = new float[layer.Planes];
        for (int k = 0; k < Planes; k++)
        {
            _weights[k].CopyTo(a, k * _weights[k].Length);
            b[k] = _inhibitions[k];
        }
        layer.Weight.Value.CopyFrom(a);
        layer.Inhibition.Value.CopyFrom(b);
    }
}
