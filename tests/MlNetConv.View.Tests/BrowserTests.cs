using System.Collections.ObjectModel;
using System.Drawing;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Interactions;
using OpenQA.Selenium.Support.UI;
using SkiaSharp;
using Xunit.Abstractions;

namespace MlNetConv.View.Tests;

/// <summary>
/// The view in a real browser: Debian's chromium, headless, driven through its chromedriver by Selenium. A digit is drawn
/// stroke by stroke; the page must show the engine's own prediction for the pixels it sent, render every layer, and
/// highlight a unit's links and receptive field on hover. The screenshot is kept as an artefact
/// (bin/.../artifacts/view-lenet5.png, and MLNETCONV_SCREENSHOT_DIR when set). Without chromium the test is skipped,
/// unless MLNETCONV_REQUIRE_BROWSER=1 (CI) makes that a failure.
/// </summary>
public sealed class BrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium", ChromeDriver = "/usr/bin/chromedriver";

    private ViewServer _server = null!;
    private ChromeDriver? _driver;
    private string? _profile;

    public async Task InitializeAsync()
    {
        _server = await ViewServer.StartAsync(TrainedLeNet.Model);
    }

    public async Task DisposeAsync()
    {
        _driver?.Quit();
        _driver?.Dispose();
        if (_profile is not null) try { Directory.Delete(_profile, recursive: true); } catch (IOException) { }
        await _server.DisposeAsync();
    }

    private ChromeDriver Browser()
    {
        bool present = File.Exists(Chromium) && File.Exists(ChromeDriver);
        if (!present && Environment.GetEnvironmentVariable("MLNETCONV_REQUIRE_BROWSER") == "1")
            Assert.Fail($"MLNETCONV_REQUIRE_BROWSER=1 but {Chromium} or {ChromeDriver} is missing (apt-get install chromium chromium-driver).");
        Skip.IfNot(present, $"no browser: {Chromium} and {ChromeDriver} come from Debian's chromium and chromium-driver packages.");
        _profile = Directory.CreateTempSubdirectory("mlnetconv-view-").FullName;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--force-device-scale-factor=1",
            "--window-size=1500,1400", $"--user-data-dir={_profile}");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        _driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        _driver.Manage().Timeouts().AsynchronousJavaScript = TimeSpan.FromSeconds(120);
        return _driver;
    }

    private static void WaitFor(IWebDriver driver, Func<IWebDriver, bool> condition, string what)
    {
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(30)) { Message = $"waited 30 s for {what}" };
        wait.Until(condition);
    }

    private static long Updates(IWebDriver driver) => long.Parse(driver.FindElement(By.TagName("body")).GetDomAttribute("data-updates")!);

    private static bool Idle(IWebDriver driver) => (bool)((IJavaScriptExecutor)driver).ExecuteScript("return window.mlnetconvView.idle();")!;

    /// <summary>Waits until the page has shown an update after <paramref name="before"/> and has nothing more to send.</summary>
    private static void Settled(IWebDriver driver, long before) =>
        WaitFor(driver, d => Updates(d) > before && Idle(d), "the page to show the engine's answer");

    /// <summary>The engine's class for the pixels the page sent last.</summary>
    private static int EnginePrediction(IWebDriver driver, out int[] pixels)
    {
        var sent = (ReadOnlyCollection<object>)((IJavaScriptExecutor)driver).ExecuteScript("return window.mlnetconvView.lastRequest.pixels;")!;
        pixels = sent.Select(Convert.ToInt32).ToArray();
        var scores = TrainedLeNet.Model.Network.Predict(pixels.Select(p => p / 255f).ToArray());
        return Array.IndexOf(scores, scores.Max());
    }

    [SkippableFact]
    public void A_digit_drawn_stroke_by_stroke_shows_the_engines_prediction_every_layer_and_hover_links()
    {
        var driver = Browser();
        driver.Navigate().GoToUrl(_server.Address);
        WaitFor(driver, d => d.FindElement(By.TagName("body")).GetDomAttribute("data-ready") == "true", "the page to load the model");
        var pad = driver.FindElement(By.Id("pad"));
        long before = Updates(driver);

        // A "4" in two strokes on the 280x280 pad, pointer moves every 10 pixels (offsets from the pad's centre).
        Stroke(driver, pad, [(-70, -110), (-80, 20), (60, 20)]);
        Stroke(driver, pad, [(30, -100), (30, 120)]);
        Settled(driver, before);

        // The page shows the engine's own answer for the very pixels it sent.
        int engine = EnginePrediction(driver, out var pixels);
        Assert.Equal(784, pixels.Length);
        Assert.True(pixels.Count(p => p > 128) > 40, "the strokes reached the pixels sent");
        var prediction = driver.FindElement(By.Id("prediction"));
        Assert.Equal(engine.ToString(), prediction.GetDomAttribute("data-index"));
        Assert.StartsWith(TrainedLeNet.Model.ClassNames![engine], prediction.Text);
        Assert.Equal(5, driver.FindElements(By.CssSelector("#top5 li")).Count);
        output.WriteLine($"drawn digit: the page and the engine both say {engine}");

        // Every layer has its panel with one tile per channel (or one strip), and each panel has pixels of more than one colour.
        var nodes = _server.Service.Inspector.Nodes;
        var panels = driver.FindElements(By.CssSelector("#layers .layer"));
        Assert.Equal(nodes.Select(n => n.Path), panels.Select(p => p.GetDomAttribute("data-path")));
        var screenshot = ((ITakesScreenshot)driver).GetScreenshot();
        using var image = SKBitmap.Decode(screenshot.AsByteArray);
        for (int i = 0; i < nodes.Count; i++)
        {
            var canvases = panels[i].FindElements(By.TagName("canvas"));
            Assert.Equal(nodes[i].Height * nodes[i].Width > 1 ? Math.Min(nodes[i].Channels, 64) : 1, canvases.Count);
            var colours = canvases.SelectMany(c => Colours(image, c.Location, c.Size)).Distinct().Count();
            Assert.True(colours >= 2, $"panel {nodes[i].Path} shows {colours} colour(s)");
        }
        var filters = driver.FindElements(By.CssSelector("#filters canvas"));
        Assert.Equal(6, filters.Count);
        Assert.True(Colours(image, filters[0].Location, filters[0].Size).Distinct().Count() >= 2, "the first filter is drawn");

        // Hover a unit of C3: its S2 inputs (the S2-C3 table's row) light up, and its receptive field on the image.
        int channel = 9, y = 2, x = 3;
        var c3 = driver.FindElements(By.CssSelector("#layers .layer[data-path='C3'] .tile canvas"))[channel];
        int scale = c3.Size.Width / nodes.First(n => n.Path == "C3").Width;
        new Actions(driver).MoveToElement(c3, x * scale + scale / 2 - c3.Size.Width / 2, y * scale + scale / 2 - c3.Size.Height / 2).Perform();
        var field = driver.FindElement(By.Id("seen-field"));
        WaitFor(driver, _ => field.GetDomAttribute("hidden") is null && field.GetDomAttribute("data-top") is not null, "the hover highlight");
        var expected = _server.Service.Links("C3", channel, y, x);
        Assert.Equal(expected.Field, new[] { "data-top", "data-left", "data-bottom", "data-right" }.Select(a => int.Parse(field.GetDomAttribute(a)!)));
        var s2 = driver.FindElement(By.CssSelector("#layers .layer[data-path='S2_act']"));
        Assert.Contains("source", s2.GetDomAttribute("class"));
        var linked = s2.FindElements(By.CssSelector(".tile.linked")).Select(t => int.Parse(t.GetDomAttribute("data-channel")!));
        Assert.Equal(MlNetConv.Geometry.ConnectionTable.LeNet5C3.InputsOf(channel), linked);
        // Harley's node-link drawing: one line from the hovered unit to each S2 window it reads.
        Assert.Equal(linked.Count(), driver.FindElements(By.CssSelector("#links line")).Count);
        Assert.Contains("reads S2_act: channels " + string.Join(", ", MlNetConv.Geometry.ConnectionTable.LeNet5C3.InputsOf(channel)), driver.FindElement(By.Id("hover-info")).Text);
        // The highlight shows in the pixels too: the field's yellow border over the image the network reads.
        using (var hovered = SKBitmap.Decode(((ITakesScreenshot)driver).GetScreenshot().AsByteArray))
            Assert.Contains(Colours(hovered, field.Location, field.Size), c => c.Red > 200 && c.Green > 180 && c.Blue < 80);

        var path = SaveArtefact(((ITakesScreenshot)driver).GetScreenshot().AsByteArray, "view-lenet5.png");
        output.WriteLine($"screenshot: {path}");

        // The activation round trip as the page measures it (request, engine, JSON, drawing every layer), 100 updates.
        var times = ((ReadOnlyCollection<object>)((IJavaScriptExecutor)driver).ExecuteAsyncScript(
            "const done = arguments[arguments.length - 1]; window.mlnetconvView.benchmark(100).then(done);")!).Select(Convert.ToDouble).Order().ToArray();
        Assert.Equal(100, times.Length);
        string report = $"LeNet-5 activation round trip in headless chromium, 100 updates: median {times[50]:F1} ms, "
            + $"10th percentile {times[10]:F1} ms, 90th {times[90]:F1} ms ({Environment.ProcessorCount} cores)";
        output.WriteLine(report);
        SaveArtefact(System.Text.Encoding.UTF8.GetBytes(report + "\n"), "view-round-trip.txt");
    }

    [SkippableFact]
    public void Undo_clear_and_an_uploaded_image_each_update_the_view()
    {
        var driver = Browser();
        driver.Navigate().GoToUrl(_server.Address);
        WaitFor(driver, d => d.FindElement(By.TagName("body")).GetDomAttribute("data-ready") == "true", "the page to load the model");
        var pad = driver.FindElement(By.Id("pad"));
        long before = Updates(driver);
        Stroke(driver, pad, [(0, -100), (0, 100)]);
        Stroke(driver, pad, [(-80, 0), (80, 0)]);
        Settled(driver, before);
        EnginePrediction(driver, out var both);

        before = Updates(driver);
        driver.FindElement(By.Id("undo")).Click();
        Settled(driver, before);
        EnginePrediction(driver, out var one);
        Assert.True(one.Sum() < both.Sum(), "undo removed the last stroke");
        Assert.True(one.Sum() > 0, "undo kept the first stroke");

        before = Updates(driver);
        driver.FindElement(By.Id("clear")).Click();
        Settled(driver, before);
        EnginePrediction(driver, out var none);
        Assert.Equal(0, none.Sum());

        // An uploaded held-out digit: the page shows what the engine says for it.
        int digit = TrainedLeNet.TestStart + 11;
        var file = Path.Combine(_profile!, "digit.png");
        File.WriteAllBytes(file, ActivationServiceTests.Png(TrainedLeNet.Pixels(digit), 28, 28));
        before = Updates(driver);
        driver.FindElement(By.Id("upload")).SendKeys(file);
        WaitFor(driver, d => Updates(d) > before, "the upload's answer");
        var scores = TrainedLeNet.Model.Network.Predict(TrainedLeNet.Pixels(digit).Select(p => p / 255f).ToArray());
        Assert.Equal(Array.IndexOf(scores, scores.Max()).ToString(), driver.FindElement(By.Id("prediction")).GetDomAttribute("data-index"));
    }

    /// <summary>Presses at the first point, moves through the others in steps of 10 pixels, releases (offsets from the element's centre).</summary>
    private static void Stroke(IWebDriver driver, IWebElement pad, (int X, int Y)[] points)
    {
        var actions = new Actions(driver).MoveToElement(pad, points[0].X, points[0].Y).ClickAndHold();
        for (int i = 1; i < points.Length; i++)
        {
            var (fromX, fromY) = points[i - 1];
            var (toX, toY) = points[i];
            int steps = Math.Max(1, (int)(Math.Sqrt((toX - fromX) * (toX - fromX) + (toY - fromY) * (toY - fromY)) / 10));
            for (int k = 1; k <= steps; k++)
                actions.MoveToElement(pad, fromX + (toX - fromX) * k / steps, fromY + (toY - fromY) * k / steps);
        }
        actions.Release().Perform();
    }

    private static IEnumerable<SKColor> Colours(SKBitmap image, Point location, Size size)
    {
        for (int y = Math.Max(0, location.Y); y < Math.Min(image.Height, location.Y + size.Height); y++)
            for (int x = Math.Max(0, location.X); x < Math.Min(image.Width, location.X + size.Width); x++)
                yield return image.GetPixel(x, y);
    }

    private static string SaveArtefact(byte[] bytes, string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes);
        if (Environment.GetEnvironmentVariable("MLNETCONV_SCREENSHOT_DIR") is { Length: > 0 } extra)
        {
            Directory.CreateDirectory(extra);
            File.WriteAllBytes(Path.Combine(extra, name), bytes);
        }
        return path;
    }
}
