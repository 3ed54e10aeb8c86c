namespace MlNetConv.Estimators.Persistence;

/// <summary>
/// Bytes as text with 15 bits per character, each character <see cref="First"/> + a 15-bit value (U+0800..U+87FF):
/// 2.5 times fewer characters than base64, and no surrogates or control characters, so the text survives UTF-8 and
/// ML.NET's text columns unchanged. Bits are taken most significant first; the last character is padded with zero
/// bits. 15 bytes make exactly 8 characters, so pieces of whole 15-byte groups can be decoded one by one.
/// </summary>
internal static class Text15
{
    /// <summary>The character of value 0.</summary>
    public const char First = '\u0800';

    /// <summary>Bytes per group of <see cref="GroupChars"/> characters with no padding.</summary>
    public const int GroupBytes = 15, GroupChars = 8;

    /// <summary>Characters for <paramref name="bytes"/> bytes: ⌈8·bytes / 15⌉.</summary>
    public static int CharCount(int bytes) => (int)(((long)bytes * 8 + 14) / 15);

    /// <summary>The text of <paramref name="bytes"/>: <see cref="CharCount"/> characters.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) => string.Create(CharCount(bytes.Length), bytes, static (text, b) => Encode(b, text));

    /// <param name="text"><see cref="CharCount"/>(bytes.Length) characters</param>
    private static void Encode(ReadOnlySpan<byte> bytes, Span<char> text)
    {
        uint bits = 0;
        int count = 0, at = 0;
        foreach (byte b in bytes)
        {
            bits = bits << 8 | b;
            count += 8;
            if (count >= 15)
            {
                count -= 15;
                text[at++] = (char)(First + (bits >> count & 0x7FFF));
            }
        }
        if (count > 0) text[at] = (char)(First + (bits << (15 - count) & 0x7FFF));
    }

    /// <summary>
    /// Decodes <paramref name="text"/> into exactly <paramref name="destination"/>.Length bytes; false when the text has
    /// the wrong length for them, a character outside the range, or padding bits that are not zero.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> text, Span<byte> destination)
    {
        if (text.Length != CharCount(destination.Length)) return false;
        uint bits = 0;
        int count = 0, at = 0;
        foreach (char c in text)
        {
            uint value = (uint)(c - First);
            if (value > 0x7FFF) return false;
            bits = bits << 15 | value;
            count += 15;
            while (count >= 8 && at < destination.Length)
            {
                count -= 8;
                destination[at++] = (byte)(bits >> count);
            }
        }
        return (bits & ((1u << count) - 1)) == 0;
    }
}
