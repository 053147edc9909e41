using System.CommandLine;
using MoDE.Classify;
using MoDE.Cli.Flags;
using MoDE.Cli.Serve;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode serve</c>: the routed experts over HTTP until Ctrl+C or SIGTERM, which answer the requests in flight first.</summary>
public static class ServeVerb
{
    static readonly Flag<ServeOptions, string> Host = new("--host", "Address to listen on (0.0.0.0 or :: serves the network)", nameof(ServeOptions.Host), o => o.Host, (o, v) => o with { Host = v });
    static readonly Flag<ServeOptions, int> Port = new("--port", "TCP port (0: any free one)", nameof(ServeOptions.Port), o => o.Port, (o, v) => o with { Port = v });
    static readonly Flag<ServeOptions, long> MaxImageBytes = new("--max-image-bytes", "Largest encoded image accepted", nameof(ServeOptions.MaxImageBytes), o => o.MaxImageBytes, (o, v) => o with { MaxImageBytes = v });
    static readonly Flag<ServeOptions, long> MaxPixels = new("--max-pixels", "Largest width x height decoded (the ingest decompression-bomb limit)", nameof(ServeOptions.MaxPixels), o => o.MaxPixels, (o, v) => o with { MaxPixels = v });
    static readonly Flag<ServeOptions, int> MaxImages = new("--max-images", "Most images per request", nameof(ServeOptions.MaxImages), o => o.MaxImages, (o, v) => o with { MaxImages = v });
    static readonly Flag<ServeOptions, int> MaxClasses = new("--max-classes", "Most class names per request", nameof(ServeOptions.MaxClasses), o => o.MaxClasses, (o, v) => o with { MaxClasses = v });
    static readonly Flag<ServeOptions, int> RequestSeconds = new("--request-seconds", "Longest a request may take (and a stop waits for requests in flight)", nameof(ServeOptions.RequestSeconds), o => o.RequestSeconds, (o, v) => o with { RequestSeconds = v });
    static readonly Flag<ServeOptions, int> BatchImages = new("--batch-images", "Most images of waiting requests encoded together", nameof(ServeOptions.BatchImages), o => o.BatchImages, (o, v) => o with { BatchImages = v });

    static readonly FlagSet<ServeOptions> Flags = new(Host, Port, MaxImageBytes, MaxPixels, MaxImages, MaxClasses, RequestSeconds, BatchImages);

    public static Command Create(CancellationToken stop)
    {
        var command = new Command("serve", "Serve a trained run's (or an export's) routed experts over HTTP: POST /v1/classify (multipart images or JSON with base64 images, " +
                                           "class names, optional templates), GET /v1/experts, GET /healthz; Ctrl+C or SIGTERM answers the requests in flight, then stops")
        {
            RunFlags.Run, RunFlags.Threads,
        };
        Flags.AddTo(command);
        ClassifyVerb.Flags.AddTo(command);
        return command.WithAction((p, output) =>
        {
            var serve = Flags.Apply(p, new ServeOptions()).Validate();
            var options = ClassifyVerb.Flags.Apply(p, new EnsembleOptions()) with { Threads = p.GetValue(RunFlags.Threads) ?? 0 };
            using var ensemble = ExpertEnsemble.Open(p.GetValue(RunFlags.Run)!, options);
            var server = ClassifyServer.StartAsync(ensemble, serve, stop).GetAwaiter().GetResult();
            output.WriteLine($"mode serve: {string.Join(", ", ensemble.ModelNames)} of {ensemble.Source} on {server.Address} " +
                             "(POST /v1/classify, GET /v1/experts, GET /healthz); Ctrl+C stops");
            stop.WaitHandle.WaitOne();
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            output.WriteLine($"mode serve: stopped after answering the requests in flight ({server.Batches} batches encoded)");
        }, Flags, ClassifyVerb.Flags, new FlagName("text", ClassifyVerb.Routing.Option.Name));
    }
}
