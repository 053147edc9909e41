using System.CommandLine;
using MoDE.Cli.Flags;
using MoDE.Cluster;
using MoDE.Storage;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode cluster</c>: fine k-means, then balanced coarse k-means over the fine centers.</summary>
public static class ClusterVerb
{
    public static Command Create(CancellationToken stop)
    {
        var clusterOptions = new Option<string?>("--cluster-options") { Description = "JSON file with every cluster option (the Slurm launcher writes RUN/slurm/cluster.json)" };
        var command = new Command("cluster", "Fine k-means (m) over captions, balanced coarse k-means (n) over the fine centers")
        {
            RunFlags.Run, RunFlags.Seed, clusterOptions,
        };
        StageFlags.Cluster.AddTo(command);
        RunFlags.ExcludeWith(command, clusterOptions, [.. StageFlags.Cluster.Flags.Select(f => f.Option), RunFlags.Seed]);
        return command.WithAction((p, output) =>
        {
            var run = new RunLayout(p.GetValue(RunFlags.Run)!);
            Verb.RequireRun(run);
            var options = p.GetValue(clusterOptions) is string file ? EmbedVerb.Read<ClusterOptions>(file) : RunFlags.Options(p).Cluster;
            ClusterStage.Run(run, options, output, stop);
        }, RunFlags.Names);
    }
}
