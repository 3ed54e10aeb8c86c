namespace MlNetConv.Geometry;

/// <summary>
/// The one home of the output-size formulas: convolution and pooling windows,
/// out = floor((in + padBegin + padEnd - d(k-1) - 1) / s) + 1 (or with ceil in ceil mode); transposed convolution,
/// out = (in - 1)s - padBegin - padEnd + d(k-1) + outputPadding + 1; and upsampling by a scale factor, out = floor(in · scale).
/// </summary>
public static class OutputSize
{
    /// <param name="input">input extent</param>
    /// <param name="kernel">window extent k</param>
    /// <param name="stride">step s</param>
    /// <param name="padBegin">zeros before</param>
    /// <param name="padEnd">zeros after</param>
    /// <param name="dilation">spacing d between window taps</param>
    /// <param name="ceilMode">round up (pooling), dropping a last window that would start inside the end padding</param>
    public static int Compute(int input, int kernel, int stride, int padBegin, int padEnd, int dilation = 1, bool ceilMode = false)
    {
        int span = input + padBegin + padEnd - dilation * (kernel - 1) - 1;
        if (span < 0) return 0;
        int steps = ceilMode ? (span + stride - 1) / stride : span / stride;
        int output = steps + 1;
        // PyTorch's rule: the last window must start inside the input or the begin padding.
        if (ceilMode && (output - 1) * stride >= input + padBegin) output--;
        return output;
    }

    /// <summary>
    /// The end padding with which the floor formula gives <paramref name="output"/> windows (the same windows, starting
    /// at i·s - padBegin): padEnd, or more where ceil mode keeps a last window that reaches past it. Formats without
    /// PyTorch's ceil-mode rule (ONNX) express such a window this way.
    /// </summary>
    public static int EndPadding(int input, int output, int kernel, int stride, int padBegin, int padEnd, int dilation) =>
        Math.Max(padEnd, (output - 1) * stride + dilation * (kernel - 1) + 1 - input - padBegin);

    /// <summary>Padding that gives out = ceil(in / s); an odd total puts the extra zero at the end.</summary>
    public static (int Begin, int End) SamePadding(int input, int kernel, int stride, int dilation = 1)
    {
        int output = (input + stride - 1) / stride;
        int total = Math.Max(0, (output - 1) * stride + dilation * (kernel - 1) + 1 - input);
        return (total / 2, total - total / 2);
    }

    /// <summary>
    /// The padding a transposed convolution crops so that out = in · s (ONNX ConvTranspose's auto_pad SAME_UPPER): in total
    /// d(k-1) + 1 + outputPadding - s, whatever the input; an odd total crops the extra row at the end. Negative where
    /// the kernel is shorter than the stride (no cropping reaches in · s).
    /// </summary>
    public static (int Begin, int End) TransposedSamePadding(int kernel, int stride, int dilation = 1, int outputPadding = 0)
    {
        int total = dilation * (kernel - 1) + 1 + outputPadding - stride;
        return (total / 2, total - total / 2);
    }

    /// <summary>
    /// The extent a transposed convolution produces: the input extent that a convolution with the same kernel, stride,
    /// padding and dilation maps back onto <paramref name="input"/>, plus <paramref name="outputPadding"/> (0 ≤ it &lt; s)
    /// to pick one of the s sizes that all convolve to the same extent.
    /// </summary>
    public static int Transposed(int input, int kernel, int stride, int padBegin, int padEnd, int dilation = 1, int outputPadding = 0) =>
        (input - 1) * stride - padBegin - padEnd + dilation * (kernel - 1) + outputPadding + 1;

    /// <summary>The input extent a dilated window spans, d(k-1) + 1, along every dimension.</summary>
    public static Int3 WindowExtent(Int3 kernel, Int3 dilation) =>
        new(dilation.D * (kernel.D - 1) + 1, dilation.H * (kernel.H - 1) + 1, dilation.W * (kernel.W - 1) + 1);

    /// <summary>Upsampling by a scale factor: floor(in · scale), as PyTorch's interpolate.</summary>
    public static int Scaled(int input, double scale) => (int)Math.Floor(input * scale);
}
