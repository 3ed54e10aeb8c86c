namespace MlNetConv.Plots;

/// <summary>
/// A 5x7 pixel font of capital and small letters, digits and the punctuation of labels, drawn without any font file, so
/// that text renders to the same pixels on every machine (SkiaSharp's Linux asset without fontconfig finds no typeface
/// where the system has no fonts). Capitals and digits fill rows 0-6; small letters stand on the same baseline with their
/// x-height from row 2, and g, j, p, q, y and the comma hang into two descender rows (7, 8) below it. Any other character
/// is drawn as '?'. Each glyph is 9 rows of 5 bits, the leftmost pixel in the high bit; a character advances 6 pixels and
/// a line 10 (a pixel under the descenders), times the scale.
/// </summary>
internal static class BitmapFont
{
    public const int GlyphWidth = 5, GlyphHeight = 7, Descent = 2, Advance = 6, LineHeight = 10;

    /// <summary>Rows of a glyph, ascent and descent.</summary>
    public const int CellRows = GlyphHeight + Descent;

    private static readonly Dictionary<char, byte[]> Designs = new()
    {
        ['A'] = [0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
        ['B'] = [0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110],
        ['C'] = [0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110],
        ['D'] = [0b11110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b11110],
        ['E'] = [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111],
        ['F'] = [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b10000],
        ['G'] = [0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111],
        ['H'] = [0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
        ['I'] = [0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        ['J'] = [0b00111, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100],
        ['K'] = [0b10001, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b10001],
        ['L'] = [0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111],
        ['M'] = [0b10001, 0b11011, 0b10101, 0b10101, 0b10001, 0b10001, 0b10001],
        ['N'] = [0b10001, 0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001],
        ['O'] = [0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
        ['P'] = [0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000],
        ['Q'] = [0b01110, 0b10001, 0b10001, 0b10001, 0b10101, 0b10010, 0b01101],
        ['R'] = [0b11110, 0b10001, 0b10001, 0b11110, 0b10100, 0b10010, 0b10001],
        ['S'] = [0b01111, 0b10000, 0b10000, 0b01110, 0b00001, 0b00001, 0b11110],
        ['T'] = [0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100],
        ['U'] = [0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
        ['V'] = [0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100],
        ['W'] = [0b10001, 0b10001, 0b10001, 0b10101, 0b10101, 0b10101, 0b01010],
        ['X'] = [0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001],
        ['Y'] = [0b10001, 0b10001, 0b01010, 0b00100, 0b00100, 0b00100, 0b00100],
        ['Z'] = [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b11111],
        ['0'] = [0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110],
        ['1'] = [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        ['2'] = [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111],
        ['3'] = [0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110],
        ['4'] = [0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010],
        ['5'] = [0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110],
        ['6'] = [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110],
        ['7'] = [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000],
        ['8'] = [0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110],
        ['9'] = [0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100],
        [' '] = [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000],
        ['.'] = [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100],
        [','] = [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b00100, 0b01000],
        [':'] = [0b00000, 0b01100, 0b01100, 0b00000, 0b01100, 0b01100, 0b00000],
        ['-'] = [0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000],
        ['_'] = [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b11111],
        ['+'] = [0b00000, 0b00100, 0b00100, 0b11111, 0b00100, 0b00100, 0b00000],
        ['='] = [0b00000, 0b00000, 0b11111, 0b00000, 0b11111, 0b00000, 0b00000],
        ['/'] = [0b00000, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b00000],
        ['('] = [0b00010, 0b00100, 0b01000, 0b01000, 0b01000, 0b00100, 0b00010],
        [')'] = [0b01000, 0b00100, 0b00010, 0b00010, 0b00010, 0b00100, 0b01000],
        ['#'] = [0b01010, 0b01010, 0b11111, 0b01010, 0b11111, 0b01010, 0b01010],
        ['?'] = [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b00000, 0b00100],
        ['!'] = [0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00000, 0b00100],
        ['%'] = [0b11000, 0b11001, 0b00010, 0b00100, 0b01000, 0b10011, 0b00011],
        ['\''] = [0b00100, 0b00100, 0b01000, 0b00000, 0b00000, 0b00000, 0b00000],
        ['*'] = [0b00000, 0b00100, 0b10101, 0b01110, 0b10101, 0b00100, 0b00000],
        ['a'] = [0b00000, 0b00000, 0b01110, 0b00001, 0b01111, 0b10001, 0b01111],
        ['b'] = [0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b11110],
        ['c'] = [0b00000, 0b00000, 0b01110, 0b10000, 0b10000, 0b10001, 0b01110],
        ['d'] = [0b00001, 0b00001, 0b01101, 0b10011, 0b10001, 0b10001, 0b01111],
        ['e'] = [0b00000, 0b00000, 0b01110, 0b10001, 0b11111, 0b10000, 0b01110],
        ['f'] = [0b00110, 0b01001, 0b01000, 0b11100, 0b01000, 0b01000, 0b01000],
        ['g'] = [0b00000, 0b00000, 0b01111, 0b10001, 0b10001, 0b10001, 0b01111, 0b00001, 0b01110],
        ['h'] = [0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001],
        ['i'] = [0b00100, 0b00000, 0b01100, 0b00100, 0b00100, 0b00100, 0b01110],
        ['j'] = [0b00010, 0b00000, 0b00110, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100],
        ['k'] = [0b10000, 0b10000, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010],
        ['l'] = [0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        ['m'] = [0b00000, 0b00000, 0b11010, 0b10101, 0b10101, 0b10101, 0b10101],
        ['n'] = [0b00000, 0b00000, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001],
        ['o'] = [0b00000, 0b00000, 0b01110, 0b10001, 0b10001, 0b10001, 0b01110],
        ['p'] = [0b00000, 0b00000, 0b11110, 0b10001, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000],
        ['q'] = [0b00000, 0b00000, 0b01111, 0b10001, 0b10001, 0b10001, 0b01111, 0b00001, 0b00001],
        ['r'] = [0b00000, 0b00000, 0b10110, 0b11001, 0b10000, 0b10000, 0b10000],
        ['s'] = [0b00000, 0b00000, 0b01111, 0b10000, 0b01110, 0b00001, 0b11110],
        ['t'] = [0b01000, 0b01000, 0b11100, 0b01000, 0b01000, 0b01001, 0b00110],
        ['u'] = [0b00000, 0b00000, 0b10001, 0b10001, 0b10001, 0b10011, 0b01101],
        ['v'] = [0b00000, 0b00000, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100],
        ['w'] = [0b00000, 0b00000, 0b10001, 0b10001, 0b10101, 0b10101, 0b01010],
        ['x'] = [0b00000, 0b00000, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001],
        ['y'] = [0b00000, 0b00000, 0b10001, 0b10001, 0b10001, 0b10001, 0b01111, 0b00001, 0b01110],
        ['z'] = [0b00000, 0b00000, 0b11111, 0b00010, 0b00100, 0b01000, 0b11111],
        [';'] = [0b00000, 0b01100, 0b01100, 0b00000, 0b01100, 0b00100, 0b01000],
        ['['] = [0b01110, 0b01000, 0b01000, 0b01000, 0b01000, 0b01000, 0b01110],
        [']'] = [0b01110, 0b00010, 0b00010, 0b00010, 0b00010, 0b00010, 0b01110],
        ['<'] = [0b00010, 0b00100, 0b01000, 0b10000, 0b01000, 0b00100, 0b00010],
        ['>'] = [0b01000, 0b00100, 0b00010, 0b00001, 0b00010, 0b00100, 0b01000],
        ['"'] = [0b01010, 0b01010, 0b01010, 0b00000, 0b00000, 0b00000, 0b00000],
        ['|'] = [0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100],
        ['&'] = [0b01100, 0b10010, 0b10100, 0b01000, 0b10101, 0b10010, 0b01101],
        ['@'] = [0b01110, 0b10001, 0b10111, 0b10101, 0b10111, 0b10000, 0b01110],
        ['^'] = [0b00100, 0b01010, 0b10001, 0b00000, 0b00000, 0b00000, 0b00000],
        ['~'] = [0b00000, 0b00000, 0b01000, 0b10101, 0b00010, 0b00000, 0b00000],
    };

    private static readonly Dictionary<char, byte[]> Glyphs = Designs.ToDictionary(g => g.Key, g => g.Value.Concat(new byte[CellRows - g.Value.Length]).ToArray());

    /// <summary>The 9 rows of <paramref name="c"/>'s glyph (unknown characters as '?').</summary>
    public static byte[] Glyph(char c) => Glyphs.TryGetValue(c, out var glyph) ? glyph : Glyphs['?'];

    /// <summary>Whether the font has a glyph of its own for <paramref name="c"/>.</summary>
    public static bool Has(char c) => Glyphs.ContainsKey(c);

    /// <summary>Width in pixels of <paramref name="text"/> at <paramref name="scale"/> (no spacing after the last character).</summary>
    public static int Width(string text, int scale) => text.Length == 0 ? 0 : (text.Length * Advance - 1) * scale;

    /// <summary>The longest prefix of <paramref name="text"/> that fits <paramref name="width"/> pixels, ending in '.' when cut.</summary>
    public static string Fit(string text, int width, int scale)
    {
        int most = (width / scale + 1) / Advance;
        if (text.Length <= most) return text;
        return most <= 0 ? "" : text[..(most - 1)] + ".";
    }

    /// <summary>
    /// Draws <paramref name="text"/> into an RGBA canvas, clipped to it: with its top-left corner at (x, y), or, when
    /// <paramref name="upward"/>, turned a quarter counter-clockwise to read from bottom to top with the top of its
    /// letters towards x (its top-left corner, as read, at (x, y + width - 1)).
    /// </summary>
    /// <param name="rgba">(height, width, 4)</param>
    public static void Draw(Span<byte> rgba, int width, int height, string text, int x, int y, int scale, Rgb ink, bool upward = false)
    {
        int length = Width(text, scale);
        for (int i = 0; i < text.Length; i++)
        {
            var glyph = Glyph(text[i]);
            int along = i * Advance * scale;
            for (int row = 0; row < CellRows; row++)
                for (int column = 0; column < GlyphWidth; column++)
                {
                    if ((glyph[row] & (1 << (GlyphWidth - 1 - column))) == 0) continue;
                    for (int dy = 0; dy < scale; dy++)
                        for (int dx = 0; dx < scale; dx++)
                        {
                            int u = along + column * scale + dx, v = row * scale + dy;
                            int px = upward ? x + v : x + u, py = upward ? y + length - 1 - u : y + v;
                            if ((uint)px >= (uint)width || (uint)py >= (uint)height) continue;
                            int at = (py * width + px) * 4;
                            rgba[at] = ink.R;
                            rgba[at + 1] = ink.G;
                            rgba[at + 2] = ink.B;
                            rgba[at + 3] = 255;
                        }
                }
        }
    }
}
