namespace MlNetConv.Fuzz;

/// <summary>Edits a PNG's IHDR chunk in place and re-seals its CRC, so only the reader's own checks stand in the way.</summary>
public static class PngHeader
{
    /// <summary>Claims <paramref name="width"/> x <paramref name="height"/> pixels (the image data stays what it was).</summary>
    public static void ForgeSize(byte[] png, uint width, uint height)
    {
        // Signature (8 bytes), then IHDR: length (4), type (4) at 12, width at 16, height at 20, 5 more bytes, CRC at 29.
        WriteBigEndian(png, 16, width);
        WriteBigEndian(png, 20, height);
        WriteBigEndian(png, 29, Crc32(png.AsSpan(12, 17)));
    }

    /// <summary>The width and height the IHDR chunk claims.</summary>
    public static (uint Width, uint Height) Size(byte[] png) => (ReadBigEndian(png, 16), ReadBigEndian(png, 20));

    private static uint ReadBigEndian(byte[] bytes, int at) => (uint)(bytes[at] << 24 | bytes[at + 1] << 16 | bytes[at + 2] << 8 | bytes[at + 3]);

    private static void WriteBigEndian(byte[] bytes, int at, uint value)
    {
        for (int i = 0; i < 4; i++) bytes[at + i] = (byte)(value >> (24 - 8 * i));
    }

    /// <summary>PNG's chunk CRC (ISO 3309, reflected polynomial 0xEDB88320) over type and data.</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
