namespace MlNetConv.Plots.Tests;

public class BitmapFontTests
{
    private const string Letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const string Punctuation = ".,:;-_+=/()[]<>#?!%'\"*|&@^~";

    [Fact]
    public void Every_glyph_is_its_own_and_inked()
    {
        string known = Letters + Punctuation;
        Assert.All(known, c => Assert.True(BitmapFont.Has(c), $"no glyph for '{c}'"));
        Assert.Equal(known.Length, known.Select(c => Convert.ToHexString(BitmapFont.Glyph(c))).Distinct().Count());
        Assert.All(known, c => Assert.Contains(BitmapFont.Glyph(c), row => row != 0));
        Assert.All(BitmapFont.Glyph(' '), row => Assert.Equal(0, row));
        Assert.Equal(BitmapFont.Glyph('?'), BitmapFont.Glyph('é'));
        Assert.All(known, c => Assert.Equal(BitmapFont.CellRows, BitmapFont.Glyph(c).Length));
    }

    [Fact]
    public void Only_g_j_p_q_y_and_the_comma_hang_below_the_baseline_and_small_letters_stay_under_the_capitals()
    {
        foreach (char c in Letters + Punctuation)
        {
            var glyph = BitmapFont.Glyph(c);
            bool descends = glyph[BitmapFont.GlyphHeight] != 0 || glyph[BitmapFont.GlyphHeight + 1] != 0;
            Assert.True(descends == "gjpqy,".Contains(c), $"'{c}' descends: {descends}");
        }
        // x-height letters leave the two top rows empty; ascenders reach row 0.
        foreach (char c in "acemnorsuvwxz") Assert.True(BitmapFont.Glyph(c)[0] == 0 && BitmapFont.Glyph(c)[1] == 0, $"'{c}' above the x-height");
        foreach (char c in "bdhkl") Assert.NotEqual(0, BitmapFont.Glyph(c)[0]);
    }

    [Fact]
    public void Upward_text_is_the_same_pixels_turned_a_quarter_counter_clockwise()
    {
        const string text = "Loss g%";
        int scale = 2, w = BitmapFont.Width(text, scale), h = BitmapFont.CellRows * scale;
        var flat = new Raster(w, h, Rgb.White);
        flat.Text(text, 0, 0, scale, Rgb.Black);
        var up = new Raster(h, w, Rgb.White);
        BitmapFont.Draw(up.Rgba, up.Width, up.Height, text, 0, 0, scale, Rgb.Black, upward: true);
        int inked = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                // (x, y) of the flat text goes to column y, row w - 1 - x.
                Assert.Equal(flat[x, y], up[y, w - 1 - x]);
                if (flat[x, y] == Rgb.Black) inked++;
            }
        Assert.True(inked > 50);
    }

    [Fact]
    public void Text_scales_by_whole_pixels_and_fits_by_cutting()
    {
        var one = new Raster(40, 10, Rgb.White);
        one.Text("ab", 0, 0, 1, Rgb.Black);
        var three = new Raster(120, 30, Rgb.White);
        three.Text("ab", 0, 0, 3, Rgb.Black);
        for (int y = 0; y < 30; y++)
            for (int x = 0; x < 120; x++)
                Assert.Equal(one[x / 3, y / 3], three[x, y]);
        Assert.Equal(5 * 3, BitmapFont.Width("a", 3));
        Assert.Equal("ABC", BitmapFont.Fit("ABC", BitmapFont.Width("ABC", 2), 2));
        Assert.Equal("AB.", BitmapFont.Fit("ABCD", BitmapFont.Width("ABC", 2), 2));
    }
}
