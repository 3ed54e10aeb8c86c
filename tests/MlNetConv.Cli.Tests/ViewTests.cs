using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using MlNetConv.Data;
using MlNetConv.View;

namespace MlNetConv.Cli.Tests;

/// <summary><c>mlnetconv view</c> on the model <c>train</c> wrote: it serves the model with its classes until interrupted.</summary>
public class ViewTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task It_serves_the_trained_model_with_its_classes_until_interrupted()
    {
        fixture.Training.Expect(ExitCodes.Ok);
        int port = FreePort();
        var interruption = new Interruption(handlesSignals: false);
        var run = CliRun.InBackground(interruption, "view", fixture.ModelPath, "--port", port.ToString());
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
        ModelMessage? model = null;
        for (int attempt = 0; attempt < 300 && model is null && !run.IsCompleted; attempt++)
        {
            try { model = await http.GetFromJsonAsync<ModelMessage>("/api/model"); }
            catch (HttpRequestException) { await Task.Delay(100); }
        }
        if (run.IsCompleted)
        {
            var ended = await run;
            Assert.Fail($"view ended early with {ended.ExitCode}: {ended.Out}{ended.Error}");
        }
        Assert.NotNull(model);
        Assert.Equal(["0", "1", "7"], model.Classes);
        Assert.Equal([1, 28, 28], model.Input);

        // The held-out digits, as the view reads their pixels and as 'score' reads their PNG files through the zip's chain:
        // the same class for each.
        string csv = Path.Combine(fixture.Folder, "view-scores.csv");
        CliRun.Of("score", fixture.ModelPath, fixture.TestData, "-o", csv).Expect(ExitCodes.Ok);
        var digits = MnistDigits.Load(MnistDigits.FindDefault());
        var rows = File.ReadAllLines(csv)[1..].Select(l => l.Split(',')).ToList();
        Assert.Equal(30, rows.Count);
        foreach (var row in rows)
        {
            int index = int.Parse(Path.GetFileNameWithoutExtension(row[0])["digit-".Length..]);
            var pixels = digits.Pixels.Slice(index * 784, 784).ToArray().Select(b => (int)b).ToArray();
            var answer = await http.PostAsJsonAsync("/api/activations", new PixelsRequest(28, 28, 1, pixels));
            answer.EnsureSuccessStatusCode();
            var activations = await answer.Content.ReadFromJsonAsync<ActivationsMessage>();
            Assert.Equal(3, activations!.Top!.Length);
            Assert.Equal(row[1], activations.Top[0].Label);
            Assert.Equal(float.Parse(row[2 + Array.IndexOf(model.Classes!.ToArray(), row[1])], System.Globalization.CultureInfo.InvariantCulture),
                activations.Top[0].Probability, 4);
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync("/api/activations", new PixelsRequest(32, 32, 1, new int[1024]))).StatusCode);

        interruption.Request(PosixSignal.SIGINT);
        var result = (await run).Expect(ExitCodes.Ok);
        Assert.Contains($"view: http://127.0.0.1:{port}/", result.Out);
        Assert.Contains("lenet.zip", result.Out);
    }

    [Fact]
    public void A_missing_or_foreign_model_file_and_a_taken_port_are_one_line_errors()
    {
        Assert.Contains("does not exist", CliRun.Of("view", Path.Combine(fixture.Folder, "none.zip")).Expect(ExitCodes.BadInput).Error);
        var foreign = Path.Combine(fixture.Folder, "foreign.zip");
        File.WriteAllText(foreign, "not a zip");
        Assert.Contains("foreign.zip", CliRun.Of("view", foreign).Expect(ExitCodes.BadInput).Error);
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        fixture.Training.Expect(ExitCodes.Ok);
        Assert.Contains($"Port {port}", CliRun.Of("view", fixture.ModelPath, "--port", port.ToString()).Expect(ExitCodes.Usage).Error);
        Assert.Contains("--port must be 0..65535", CliRun.Of("view", fixture.ModelPath, "--port", "70000").Expect(ExitCodes.Usage).Error);
    }
}
