using System.Net;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MlNetConv.View;

/// <summary>
/// The live activation view on ASP.NET Core's Kestrel, bound to 127.0.0.1 only. It serves the page (embedded in this
/// assembly) and its API:
/// <list type="bullet">
/// <item>GET /api/model: the layers, the classes and the first layer's filters (<see cref="ModelMessage"/>);</item>
/// <item>POST /api/activations with a <see cref="PixelsRequest"/>: every layer's output for the image, in one evaluation;</item>
/// <item>POST /api/image with an image file as the body: the same for the image resized to the network's input;</item>
/// <item>GET /api/links?layer=PATH&amp;c=C&amp;y=Y&amp;x=X: the units a unit reads and its receptive field.</item>
/// </list>
/// A bad request (wrong size, not an image, malformed JSON, a body over <see cref="ViewServerOptions.MaxRequestBytes"/>)
/// gets a 4xx answer with an <see cref="ErrorMessage"/>; the server goes on serving.
/// </summary>
public sealed class ViewServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ViewServer(WebApplication app, Uri address, ActivationService service)
    {
        _app = app;
        Address = address;
        Service = service;
    }

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri Address { get; }

    public ActivationService Service { get; }

    /// <summary>Starts serving <paramref name="model"/>; returns once the port is bound.</summary>
    /// <exception cref="IOException">the port is taken</exception>
    public static async Task<ViewServer> StartAsync(ViewedModel model, ViewServerOptions? options = null, CancellationToken cancellation = default)
    {
        options ??= new ViewServerOptions();
        if (options.Port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(options), $"Port must be 0..65535, got {options.Port}.");
        var service = new ActivationService(model);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(ViewServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, options.Port);
            k.Limits.MaxRequestBodySize = DrainLimit(options);
        });
        builder.Services.ConfigureHttpJsonOptions(j => j.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase);
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            try
            {
                if (HttpMethods.IsPost(context.Request.Method)) await BufferBody(context, options);
                await next(context);
            }
            catch (Exception e) when (Answer(e) is { } answer && !context.Response.HasStarted)
            {
                context.Response.StatusCode = answer.Status;
                await context.Response.WriteAsJsonAsync(new ErrorMessage(answer.Message));
            }
        });
        // Answers the framework gives without a body (an unknown address, a wrong method) get a message too.
        app.UseStatusCodePages(async status =>
        {
            var response = status.HttpContext.Response;
            var request = status.HttpContext.Request;
            string message = response.StatusCode switch
            {
                404 => $"There is nothing at {request.Path}: the page is at /, the API at /api/model, /api/activations, /api/image and /api/links.",
                405 => $"{request.Method} is not how {request.Path} is used (GET /api/model and /api/links, POST /api/activations and /api/image).",
                _ => $"{request.Method} {request.Path} was answered with status {response.StatusCode}.",
            };
            await response.WriteAsJsonAsync(new ErrorMessage(message));
        });
        MapPage(app);
        app.MapGet("/api/model", () => service.Model);
        app.MapPost("/api/activations", async (HttpRequest request) =>
            service.Evaluate(await ReadJson<PixelsRequest>(request, "{\"width\": W, \"height\": H, \"channels\": 1 or 3, \"pixels\": [0..255, ...]}")));
        app.MapPost("/api/image", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            if (body.Length == 0) throw new ViewRequestException(400, "The body is empty; send an image file (PNG, JPEG, GIF, BMP, WebP).");
            return service.EvaluateImage(body.ToArray(), options.MaxImagePixels);
        });
        app.MapGet("/api/links", (string? layer, int? c, int? y, int? x) =>
            layer is null || c is null || y is null || x is null
                ? throw new ViewRequestException(400, "Give layer, c, y and x: /api/links?layer=conv1&c=0&y=3&x=4.")
                : service.Links(layer, c.Value, y.Value, x.Value));
        try
        {
            await app.StartAsync(cancellation);
        }
        catch (Exception e) when (e is IOException || e.InnerException is IOException)
        {
            await app.DisposeAsync();
            throw new IOException($"Port {options.Port} on 127.0.0.1 cannot be used: {e.Message}", e);
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(bound).Port;
        return new ViewServer(app, new Uri($"http://127.0.0.1:{port}/"), service);
    }

    /// <summary>Runs until <paramref name="cancellation"/> fires, then stops.</summary>
    public async Task WaitAsync(CancellationToken cancellation)
    {
        try { await Task.Delay(Timeout.Infinite, cancellation); }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>
    /// Reads the body into memory, at most <see cref="ViewServerOptions.MaxRequestBytes"/> of it. A longer body is read to
    /// its end and dropped (up to <see cref="DrainLimit"/>, where Kestrel cuts the connection), so that the client, still
    /// sending, gets the 413 and its message rather than a broken connection.
    /// </summary>
    private static async Task BufferBody(HttpContext context, ViewServerOptions options)
    {
        long limit = options.MaxRequestBytes;
        if (context.Request.ContentLength is { } declared && declared > DrainLimit(options))
            throw new ViewRequestException(413, $"The request body is {declared} bytes; the limit is {limit} bytes.");
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        long total = 0;
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (total + read <= limit) buffer.Write(chunk, 0, read);
            total += read;
        }
        if (total > limit) throw new ViewRequestException(413, $"The request body is {total} bytes; the limit is {limit} bytes.");
        buffer.Position = 0;
        context.Request.Body = buffer;
    }

    /// <summary>How much of an over-long body is read and dropped before the connection is cut: four times the limit, at least 64 MiB.</summary>
    private static long DrainLimit(ViewServerOptions options) => Math.Max(64L << 20, 4 * options.MaxRequestBytes);

    /// <summary>The status and message for a failed request; null lets the exception through (a bug: 500).</summary>
    private static (int Status, string Message)? Answer(Exception e) => e switch
    {
        ViewRequestException v => (v.StatusCode, v.Message),
        BadHttpRequestException b => (b.StatusCode, b.StatusCode == 413 ? $"The request body is over the limit: {b.Message}" : b.Message),
        _ => (500, $"The server failed on this request: {e.GetType().Name}: {e.Message}"),
    };

    private static async Task<T> ReadJson<T>(HttpRequest request, string expected)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, JsonOptions)
                ?? throw new ViewRequestException(400, $"The body is JSON null; expected {expected}.");
        }
        catch (JsonException e)
        {
            throw new ViewRequestException(400, $"The body is not the JSON expected ({expected}): {e.Message}");
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>The page's files, embedded as wwwroot/NAME.</summary>
    private static void MapPage(WebApplication app)
    {
        var assembly = typeof(ViewServer).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("wwwroot/", StringComparison.Ordinal)))
        {
            string file = resource["wwwroot/".Length..];
            string type = Path.GetExtension(file) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                _ => "application/octet-stream",
            };
            var bytes = Read(assembly, resource);
            var handler = () => Results.Bytes(bytes, type);
            app.MapGet("/" + file, handler);
            if (file == "index.html") app.MapGet("/", handler);
        }
    }

    private static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
