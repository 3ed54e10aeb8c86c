using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace MlNetConv.View.Tests;

/// <summary>The server over HTTP: the page, the API, and bad requests answered with 4xx and a message while it goes on serving.</summary>
public sealed class ViewServerTests : IAsyncLifetime
{
    private ViewServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await ViewServer.StartAsync(TrainedLeNet.Model, new ViewServerOptions { MaxRequestBytes = 1 << 20 });
        _http = new HttpClient { BaseAddress = _server.Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<string> ErrorOf(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<ErrorMessage>();
        Assert.False(string.IsNullOrWhiteSpace(error!.Error));
        return error.Error;
    }

    /// <summary>After any bad request the server still answers a good one.</summary>
    private async Task StillServes()
    {
        var answer = await _http.PostAsJsonAsync("/api/activations", new PixelsRequest(28, 28, 1, TrainedLeNet.Pixels(TrainedLeNet.TestStart)));
        answer.EnsureSuccessStatusCode();
        var message = await answer.Content.ReadFromJsonAsync<ActivationsMessage>();
        Assert.Equal(_server.Service.Inspector.Nodes.Count, message!.Layers.Length);
    }

    [Fact]
    public async Task It_listens_on_loopback_and_serves_the_page_and_the_model()
    {
        Assert.Equal("127.0.0.1", _server.Address.Host);
        Assert.NotEqual(0, _server.Address.Port);
        var page = await _http.GetStringAsync("/");
        Assert.Contains("<canvas id=\"pad\"", page);
        Assert.Contains("getJson('/api/activations'", await _http.GetStringAsync("/view.js"));
        var model = await _http.GetFromJsonAsync<ModelMessage>("/api/model");
        Assert.Equal(_server.Service.Inspector.Nodes.Select(n => n.Path), model!.Layers.Select(l => l.Path));
        var links = await _http.GetFromJsonAsync<LinksMessage>("/api/links?layer=C3&c=0&y=1&x=2");
        Assert.Equal([0, 1, 2], links!.Reads[0].Channels!);
        await StillServes();
    }

    [Fact]
    public async Task Malformed_json_gets_400_with_what_was_expected()
    {
        var response = await _http.PostAsync("/api/activations", new StringContent("{\"width\": 28, \"pixels\": [1, 2,", Encoding.UTF8, "application/json"));
        Assert.Contains("not the JSON expected", await ErrorOf(response, HttpStatusCode.BadRequest));
        response = await _http.PostAsync("/api/activations", new StringContent("{\"width\": \"wide\"}", Encoding.UTF8, "application/json"));
        Assert.Contains("width", await ErrorOf(response, HttpStatusCode.BadRequest));
        await StillServes();
    }

    [Fact]
    public async Task A_wrong_image_size_gets_400_naming_both_sizes()
    {
        var response = await _http.PostAsJsonAsync("/api/activations", new PixelsRequest(32, 32, 1, new int[1024]));
        var error = await ErrorOf(response, HttpStatusCode.BadRequest);
        Assert.Contains("28x28", error);
        Assert.Contains("32x32", error);
        await StillServes();
    }

    [Fact]
    public async Task An_upload_that_is_not_an_image_gets_415_and_an_image_is_read()
    {
        var response = await _http.PostAsync("/api/image", new ByteArrayContent(Encoding.UTF8.GetBytes("%PDF-1.7 this is not a picture")));
        Assert.Contains("not an image", await ErrorOf(response, HttpStatusCode.UnsupportedMediaType));
        Assert.Contains("empty", await ErrorOf(await _http.PostAsync("/api/image", new ByteArrayContent([])), HttpStatusCode.BadRequest));
        var png = ActivationServiceTests.Png(TrainedLeNet.Pixels(TrainedLeNet.TestStart + 1), 28, 28);
        var image = await _http.PostAsync("/api/image", new ByteArrayContent(png));
        image.EnsureSuccessStatusCode();
        Assert.Equal(TrainedLeNet.Pixels(TrainedLeNet.TestStart + 1), (await image.Content.ReadFromJsonAsync<ActivationsMessage>())!.Pixels);
        await StillServes();
    }

    [Fact]
    public async Task A_50_MB_body_gets_413_without_being_read_whether_its_length_is_declared_or_not()
    {
        var body = new byte[50 << 20];
        var declared = await _http.PostAsync("/api/image", new ByteArrayContent(body));
        Assert.Contains("limit", await ErrorOf(declared, HttpStatusCode.RequestEntityTooLarge));
        // Chunked, with no Content-Length: refused once the limit is crossed while reading.
        var chunked = new StreamContent(new MemoryStream(body));
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/image") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        var streamed = await _http.SendAsync(request);
        Assert.Contains("limit", await ErrorOf(streamed, HttpStatusCode.RequestEntityTooLarge));
        await StillServes();
    }

    [Fact]
    public async Task Unknown_addresses_and_wrong_methods_get_404_and_405_with_a_message()
    {
        Assert.Contains("nothing at /nope", await ErrorOf(await _http.GetAsync("/nope"), HttpStatusCode.NotFound));
        Assert.Contains("POST /api/activations", await ErrorOf(await _http.GetAsync("/api/activations"), HttpStatusCode.MethodNotAllowed));
        await StillServes();
    }

    [Fact]
    public async Task Links_of_unknown_layers_or_units_and_missing_arguments_get_4xx()
    {
        Assert.Contains("no layer 'C9'", await ErrorOf(await _http.GetAsync("/api/links?layer=C9&c=0&y=0&x=0"), HttpStatusCode.NotFound));
        Assert.Contains("outside", await ErrorOf(await _http.GetAsync("/api/links?layer=C1&c=0&y=99&x=0"), HttpStatusCode.BadRequest));
        Assert.Contains("Give layer", await ErrorOf(await _http.GetAsync("/api/links?layer=C1"), HttpStatusCode.BadRequest));
        await StillServes();
    }
}
