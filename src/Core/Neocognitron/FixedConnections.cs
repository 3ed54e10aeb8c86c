namespace MlNetConv.Neocognitron;

/// <summary>
/// The connections of the neocognitron that are not learned, as square kernels in row-major (k, k) order: the
/// contrast-extracting kernel of U_G, the blurring kernel d(ν) of the C-cells and the V-cells' weights c(ν). Each
/// is a function of its size and spread only, so a saved model stores its configuration, not these values.
/// </summary>
public static class FixedConnections
{
    /// <summary>exp(−|ν|²/2σ²) over the k × k window centred on ν = 0, scaled to sum to 1.</summary>
    public static float[] Gaussian(int kernelSize, double sigma)
    {
        if (kernelSize <= 0 || kernelSize % 2 == 0) throw new ArgumentException($"kernel size must be odd and positive, got {kernelSize}.");
        if (!(sigma > 0)) throw new ArgumentException($"sigma must be positive, got {sigma}.");
        int r = kernelSize / 2;
        var w = new double[kernelSize * kernelSize];
        for (int y = -r; y <= r; y++)
            for (int x = -r; x <= r; x++)
                w[(y + r) * kernelSize + x + r] = Math.Exp(-(x * x + y * y) / (2 * sigma * sigma));
        double sum = w.Sum();
        return w.Select(v => (float)(v / sum)).ToArray();
    }

    /// <summary>
    /// The zero-sum centre-surround kernel a_G(ν) of the contrast-extracting layer U_G: a narrow Gaussian minus a wide
    /// one, each summing to 1, so a uniform input gives no response.
    /// </summary>
    public static float[] CentreSurround(int kernelSize, double centreSigma, double surroundSigma)
    {
        if (!(surroundSigma > centreSigma)) throw new ArgumentException($"the surround ({surroundSigma}) must be wider than the centre ({centreSigma}).");
        var centre = Gaussian(kernelSize, centreSigma);
        var surround = Gaussian(kernelSize, surroundSigma);
        return centre.Select((c, i) => c - surround[i]).ToArray();
    }

    /// <summary>
    /// A "same"-padded window wider than 2·max(H, W) − 1 only adds taps that always read padding: refused, so that a
    /// model file cannot ask for a kernel out of proportion to its input.
    /// </summary>
    /// <param name="input">(N, C, H, W)</param>
    internal static void CheckKernelFits(int kernelSize, Tensors.Shape input, string layer)
    {
        int limit = 2 * Math.Max(input[2], input[3]) - 1;
        if (kernelSize > limit)
            throw new ArgumentException($"{layer}: kernel_size {kernelSize} is wider than a {input[2]}x{input[3]} input can use (at most {limit}).");
    }
}
