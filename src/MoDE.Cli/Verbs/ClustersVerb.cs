using System.CommandLine;
using MoDE.Cli.Flags;
using MoDE.Cluster;
using MoDE.Storage;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode clusters</c>: what every expert and fine cluster is about.</summary>
public static class ClustersVerb
{
    public static readonly Option<int> Top = new("--top") { Description = "Characteristic words shown per cluster", DefaultValueFactory = _ => 10 };

    public static Command Create()
    {
        var command = new Command("clusters", "Show what every expert and fine cluster is about: sizes, tightness, distance to the nearest other, words")
        {
            RunFlags.Run, Top,
        };
        return command.WithAction((p, output) =>
        {
            var run = new RunLayout(p.GetValue(RunFlags.Run)!);
            Verb.RequireRun(run);
            ClusterStage.Stage.Require(run);
            if (!ClusterStage.Stage.IsDone(run))
                throw new InvalidOperationException($"{run.Root}: the cluster stage has not run yet; run `{ModeCommand.Invocation} cluster --run {ModeCommand.Quote(run.Root)}`");
            ArgumentOutOfRangeException.ThrowIfLessThan(p.GetValue(Top), 1, "top");
            output.Write(ClusterReport.Load(run.ClusterReport).ToText(p.GetValue(Top)));
        }, new FlagName("top", Top.Name));
    }
}
