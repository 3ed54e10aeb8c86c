namespace MlNetConv.View;

/// <summary>Where and how the view serves.</summary>
public sealed record ViewServerOptions
{
    /// <summary>The TCP port on 127.0.0.1; 0 lets the system choose a free one (<see cref="ViewServer.Address"/> tells which).</summary>
    public int Port { get; init; }

    /// <summary>The largest request body accepted; larger ones get 413 with a message. An uploaded photo fits; 8 MiB by default.</summary>
    public long MaxRequestBytes { get; init; } = 8 << 20;

    /// <summary>The largest uploaded image, in pixels (width x height), decoded; larger ones get 413 before any pixel is decoded.</summary>
    public long MaxImagePixels { get; init; } = 40_000_000;
}
