using MoDE.Cluster;
using MoDE.Data.Ingest;
using MoDE.Embed;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tests.Run;

namespace MoDE.Tests;

/// <summary>
/// The tiny run (<see cref="PipelineTests.Tiny"/>) up to its split stage: ingested, embedded, clustered and split once
/// per test process. Tests that train take a copy each, so they can train, kill and resume without touching each other.
/// </summary>
internal static class SplitRun
{
    static readonly Lazy<string> Prepared = new(() =>
    {
        var o = PipelineTests.Tiny;
        var run = new RunLayout(Directory.CreateTempSubdirectory("mode-split-prepared").FullName);
        var log = new StringWriter();
        IngestStage.Run(run, o.Data, log);
        EmbedStage.Run(run, o.Embed, log);
        ClusterStage.Run(run, o.Cluster, log);
        SplitStage.Run(run, o.Split, log);
        return run.Root;
    });

    /// <summary>A fresh copy of the prepared run in a new temporary folder named after <paramref name="name"/>.</summary>
    public static RunLayout Copy(string name)
    {
        string to = Directory.CreateTempSubdirectory(name).FullName;
        foreach (string file in Directory.GetFiles(Prepared.Value, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(Prepared.Value, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return new RunLayout(to);
    }
}
