using System.Text;
using MlNetConv.Estimators.Persistence;

namespace MlNetConv.Estimators.Tests;

public sealed class Text15Tests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(14)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(29)]
    [InlineData(31)]
    [InlineData(1001)]
    [InlineData(65_537)]
    public void RandomBytesRoundTripThroughTextThatSurvivesUtf8(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        string text = Text15.Encode(bytes);
        Assert.Equal(Text15.CharCount(length), text.Length);
        Assert.All(text, c => Assert.InRange(c, '\u0800', '\u87FF'));
        Assert.Equal(text, Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)));
        var back = new byte[length];
        Assert.True(Text15.TryDecode(text, back));
        Assert.Equal(bytes, back);
    }

    [Fact]
    public void WholeGroupsMakeTextThatSplitsWherePiecesDo()
    {
        var bytes = new byte[3 * Text15.GroupBytes + 4];
        new Random(7).NextBytes(bytes);
        string whole = Text15.Encode(bytes);
        string pieces = Text15.Encode(bytes.AsSpan(0, 2 * Text15.GroupBytes)) + Text15.Encode(bytes.AsSpan(2 * Text15.GroupBytes));
        Assert.Equal(whole, pieces);
        Assert.Equal(2 * Text15.GroupChars, Text15.CharCount(2 * Text15.GroupBytes));
    }

    [Fact]
    public void TextOfTheWrongLengthRangeOrPaddingIsRefused()
    {
        string text = Text15.Encode([0xAB, 0xCD]); // 2 characters: 16 bits and 14 bits of padding
        Assert.True(Text15.TryDecode(text, new byte[2]));
        Assert.False(Text15.TryDecode(text, new byte[4]));
        Assert.False(Text15.TryDecode(text.AsSpan(0, 1), new byte[2]));
        Assert.False(Text15.TryDecode(text[..1] + (char)(text[1] + 1), new byte[2]));
        foreach (char outside in "A\u07FF\u8800\uD800")
            Assert.False(Text15.TryDecode(text[..1] + outside, new byte[2]));
    }
}
