using System.Globalization;

namespace MlNetConv.Plots;

/// <summary>
/// The k most probable classes of one prediction as horizontal bars, most probable on top: class names on the left,
/// bars on a 0..1 axis, each probability written at the end of its bar; the image beside them when given.
/// </summary>
public sealed class TopClassesBars : Figure
{
    private const int Pad = 12, TitleScale = 3, Scale = Axes.TextScale, BarHeight = 28, BarGap = 12, PlotWidth = 360;

    /// <param name="probabilities">one per class, in the order of <paramref name="classNames"/></param>
    public TopClassesBars(IReadOnlyList<string> classNames, IReadOnlyList<float> probabilities, int k = 5, string title = "top classes", GridImage? image = null)
    {
        ClassNames = classNames ?? throw new ArgumentNullException(nameof(classNames));
        Probabilities = probabilities ?? throw new ArgumentNullException(nameof(probabilities));
        K = k;
        Title = title ?? throw new ArgumentNullException(nameof(title));
        Image = image;
    }

    public IReadOnlyList<string> ClassNames { get; }
    public IReadOnlyList<float> Probabilities { get; }
    public int K { get; }
    public string Title { get; }
    public GridImage? Image { get; }

    /// <summary>The classes drawn, most probable first (ties in class order).</summary>
    public IReadOnlyList<int> Top() =>
        [.. Enumerable.Range(0, Probabilities.Count).OrderByDescending(c => Probabilities[c]).ThenBy(c => c).Take(Math.Min(K, Probabilities.Count))];

    internal override Raster Draw()
    {
        if (ClassNames.Count != Probabilities.Count)
            throw new ArgumentException($"{Probabilities.Count} probabilities were given for {ClassNames.Count} class names.");
        if (Probabilities.Count == 0) throw new ArgumentException("Top classes need at least one class.");
        if (K < 1) throw new ArgumentOutOfRangeException(nameof(K), K, "k must be positive.");
        for (int c = 0; c < Probabilities.Count; c++)
            if (!(Probabilities[c] is >= 0f and <= 1.0001f) || ClassNames[c] is null)
                throw new ArgumentException($"Class {c} ('{ClassNames[c]}') has probability {Probabilities[c]}; each must be in [0, 1] with a name.");
        var top = Top();
        var x = NiceTicks.Linear(0, 1, 6);
        int imageZoom = Image is null ? 0 : HeatMap.Zoom(Math.Max(Image.Width, Image.Height), 140);
        int imageWidth = Image is null ? 0 : Image.Width * imageZoom + 2 * Pad;
        int names = top.Max(c => BitmapFont.Width(ClassNames[c], Scale));
        int plotLeft = Pad + imageWidth + names + Axes.Gap + Axes.TickLength + 2;
        int titleHeight = Pad + BitmapFont.LineHeight * TitleScale + Pad;
        int plotHeight = top.Count * (BarHeight + BarGap) + BarGap;
        int label = BitmapFont.Width("0.0000", Scale) + Axes.Gap;
        int width = Math.Max(plotLeft + PlotWidth + label + Pad, BitmapFont.Width(Title, TitleScale) + 2 * Pad);
        int height = Math.Max(titleHeight + plotHeight + Axes.BottomMargin(true, true), titleHeight + (Image?.Height ?? 0) * imageZoom + Pad);
        var raster = new Raster(width, height, Palette.Background);
        raster.TextCentred(Title, width / 2, Pad, TitleScale, Palette.Ink);
        if (Image is not null)
        {
            raster.Image(Image, Pad, titleHeight, imageZoom);
            raster.StrokeRect(Pad - 1, titleHeight - 1, Image.Width * imageZoom + 2, Image.Height * imageZoom + 2, Palette.Frame);
        }
        var axes = new Axes(plotLeft, titleHeight, PlotWidth, plotHeight, x, new Ticks(0, 1, [], [], Log: false));
        axes.Draw(raster, "probability", null);
        for (int i = 0; i < top.Count; i++)
        {
            int c = top[i], y = titleHeight + BarGap + i * (BarHeight + BarGap), length = axes.Px(Math.Min(1, Probabilities[c])) - plotLeft + 1;
            var colour = i == 0 ? Palette.SeriesColour(0) : Palette.SeriesColour(0).Towards(Rgb.White, 0.45);
            raster.FillRect(plotLeft, y, length, BarHeight, colour);
            int textY = y + (BarHeight - BitmapFont.GlyphHeight * Scale) / 2;
            raster.TextRight(ClassNames[c], plotLeft - Axes.Gap - 1, textY, Scale, Palette.Ink);
            raster.Text(Probabilities[c].ToString("F4", CultureInfo.InvariantCulture), plotLeft + length + Axes.Gap, textY, Scale, Palette.Ink);
        }
        return raster;
    }
}
