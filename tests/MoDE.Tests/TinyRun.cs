using MoDE.Run;
using MoDE.Storage;
using MoDE.Tests.Run;

namespace MoDE.Tests;

/// <summary>One tiny trained run (<see cref="PipelineTests.Tiny"/>), made once and shared by the tests that need trained experts.</summary>
public sealed class TinyRun : IDisposable
{
    public RunLayout Run { get; }

    public TinyRun()
    {
        DejaVuFonts.Require();
        Run = new RunLayout(Directory.CreateTempSubdirectory("mode-tiny").FullName);
        Pipeline.Run(Run, PipelineTests.Tiny, new StringWriter());
    }

    public void Dispose() => Directory.Delete(Run.Root, recursive: true);
}

[CollectionDefinition(Name)]
public sealed class TinyRunCollection : ICollectionFixture<TinyRun>
{
    public const string Name = "tiny run";
}
