using MoDE.Data.Ingest;

namespace MoDE.Cli.Serve;

/// <summary>Where <c>mode serve</c> listens and the limits of one request, each with its default; a request over a limit gets a 4xx naming the field.</summary>
public sealed record ServeOptions
{
    /// <summary>The address listened on: 127.0.0.1, this machine only (0.0.0.0 or :: to serve the network).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The TCP port: 8080; 0 lets the system pick a free one (the tests).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>Largest encoded image: 16 MiB, a large photo's JPEG several times over (ingest reads up to 64 MiB from disk).</summary>
    public long MaxImageBytes { get; init; } = 16L << 20;

    /// <summary>Largest width x height decoded: the ingest stage's decompression-bomb limit (<see cref="SourceOptions.MaxPixels"/>), checked from the header before any pixel memory is taken.</summary>
    public long MaxPixels { get; init; } = new SourceOptions().MaxPixels;

    /// <summary>Most images in one request: 16.</summary>
    public int MaxImages { get; init; } = 16;

    /// <summary>Most class names in one request: 1,000 (ImageNet's count).</summary>
    public int MaxClasses { get; init; } = 1000;

    /// <summary>Most prompt templates in one request: 100 (the shipped "imagenet" set has 80).</summary>
    public int MaxTemplates { get; init; } = 100;

    /// <summary>Longest class name or template, in characters: 300, about the 77 tokens CLIP reads.</summary>
    public int MaxTextLength { get; init; } = 300;

    /// <summary>Longest a request may take, from its arrival to its answer, in seconds: 60; also how long a stop waits for requests in flight.</summary>
    public int RequestSeconds { get; init; } = 60;

    /// <summary>Most images encoded together: requests waiting when the models are free are batched up to this many images.</summary>
    public int BatchImages { get; init; } = 64;

    /// <summary>Largest request body: room for <see cref="MaxImages"/> images of <see cref="MaxImageBytes"/> as base64 JSON (4/3 of the bytes) and the class names.</summary>
    public long MaxRequestBytes => MaxImages * MaxImageBytes * 4 / 3 + (1L << 20);

    public ServeOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(Host)) throw new ArgumentException("the host is empty", nameof(Host));
        if (Port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(Port), Port, "must be between 0 and 65535");
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxImageBytes, 1, nameof(MaxImageBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPixels, 1, nameof(MaxPixels));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxImages, 1, nameof(MaxImages));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxClasses, 1, nameof(MaxClasses));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTemplates, 1, nameof(MaxTemplates));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTextLength, 1, nameof(MaxTextLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(RequestSeconds, 1, nameof(RequestSeconds));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchImages, 1, nameof(BatchImages));
        return this;
    }

    /// <summary>The decoder's limits: ingest's, with this record's bytes and pixels.</summary>
    public SourceOptions DecodeLimits => new() { MaxImageBytes = MaxImageBytes, MaxPixels = MaxPixels };
}
