using Tenni.Imaging;

namespace Tenni.Cli.Serving;

/// <summary>What <c>tenni serve</c> serves, where, and the limits that keep one request from taking the machine.</summary>
public sealed record ServeOptions
{
    /// <summary>Run folder written by <c>tenni train</c> (or a folder with model.json).</summary>
    public required string Run { get; init; }

    /// <summary>best (the run's best/ model when it has one) or last.</summary>
    public string Model { get; init; } = "best";

    /// <summary>Loopback by default: the API has no authentication.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0: any free port (the bound one is <see cref="ModelServer.Url"/>).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>Classes returned per image.</summary>
    public int Top { get; init; } = 3;

    /// <summary>The whole request body (Kestrel refuses more).</summary>
    public long MaxRequestBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>One uploaded file.</summary>
    public long MaxFileBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Files in one request.</summary>
    public int MaxFiles { get; init; } = 32;

    /// <summary>Pixels of one image, checked from its header before any pixel buffer exists (the limit of <c>tenni predict</c>).</summary>
    public long MaxPixels { get; init; } = ImageReader.DefaultMaxPixels;

    /// <summary>Prediction requests waiting for the model; beyond them the answer is 503 with Retry-After.</summary>
    public int MaxPending { get; init; } = 64;

    /// <summary>The most confident validation mistakes shown.</summary>
    public int Mistakes { get; init; } = 24;
}
