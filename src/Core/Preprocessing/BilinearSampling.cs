namespace MlNetConv.Preprocessing;

/// <summary>
/// Reading an image plane between its pixels, as the geometric distortions do (<see cref="ImageAugmentation.Affine"/>,
/// <see cref="ElasticDistortion.Displace"/>): bilinear interpolation of the four pixels around the point, with zero
/// outside the plane. A point on a pixel reads that pixel exactly.
/// </summary>
internal static class BilinearSampling
{
    /// <summary>The plane's value at (y0 + fy, x0 + fx), with 0 ≤ fy, fx &lt; 1.</summary>
    /// <param name="plane">(H, W)</param>
    public static float Sample(ReadOnlySpan<float> plane, int h, int w, int y0, int x0, float fy, float fx)
    {
        float top = Lerp(At(plane, h, w, y0, x0), At(plane, h, w, y0, x0 + 1), fx);
        float bottom = Lerp(At(plane, h, w, y0 + 1, x0), At(plane, h, w, y0 + 1, x0 + 1), fx);
        return Lerp(top, bottom, fy);
    }

    private static float At(ReadOnlySpan<float> plane, int h, int w, int y, int x) => (uint)y < (uint)h && (uint)x < (uint)w ? plane[y * w + x] : 0f;

    private static float Lerp(float a, float b, float t) => t == 0f ? a : a + (b - a) * t;
}
