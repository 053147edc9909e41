using MoDE.Classify;
using MoDE.Cli.Serve;
using MoDE.Run;
using MoDE.Storage;
using MoDE.Tests.Run;

namespace MoDE.Tests;

/// <summary>One tiny trained run (<see cref="PipelineTests.Tiny"/>), made once and shared by the tests that need trained experts;
/// its <see cref="Ensemble"/> and <see cref="Server"/> are loaded and started on first use.</summary>
public sealed class TinyRun : IDisposable
{
    /// <summary>The served limits, small enough that the tests reach each one cheaply.</summary>
    public static readonly ServeOptions ServeLimits = new() { Port = 0, MaxImages = 4, MaxClasses = 100, MaxImageBytes = 1 << 20, MaxPixels = 1_000_000, RequestSeconds = 120 };

    readonly Lazy<ExpertEnsemble> ensemble;
    readonly Lazy<ClassifyServer> server;

    public RunLayout Run { get; }

    public TinyRun()
    {
        DejaVuFonts.Require();
        Run = new RunLayout(Directory.CreateTempSubdirectory("mode-tiny").FullName);
        Pipeline.Run(Run, PipelineTests.Tiny, new StringWriter());
        ensemble = new(() => ExpertEnsemble.Open(Run.Root));
        server = new(() => ClassifyServer.StartAsync(Ensemble, ServeLimits).GetAwaiter().GetResult());
    }

    /// <summary>The run's experts as a classifier, with the default options.</summary>
    public ExpertEnsemble Ensemble => ensemble.Value;

    /// <summary><see cref="Ensemble"/> served on 127.0.0.1 (a free port) with <see cref="ServeLimits"/>.</summary>
    public ClassifyServer Server => server.Value;

    public void Dispose()
    {
        if (server.IsValueCreated) server.Value.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (ensemble.IsValueCreated) ensemble.Value.Dispose();
        Directory.Delete(Run.Root, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class TinyRunCollection : ICollectionFixture<TinyRun>
{
    public const string Name = "tiny run";
}
