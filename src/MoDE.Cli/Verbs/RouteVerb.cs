using System.CommandLine;
using MoDE.Cli.Flags;
using MoDE.Cluster;
using MoDE.Embed;
using MoDE.Eval;
using MoDE.Route;
using MoDE.Storage;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode route</c>: which experts a task goes to, and why.</summary>
public static class RouteVerb
{
    public static Command Create()
    {
        var task = new Option<string[]>("--task") { Description = "Task folders whose routing to explain", AllowMultipleArgumentsPerToken = true, Required = true };
        var routing = new Option<string?>("--routing") { Description = "Routing: code, paper or calibrated, optionally with coarse (\"paper,coarse\"); default: all six" };
        var nearest = new Option<int>("--nearest") { Description = "Nearest fine clusters shown per class", DefaultValueFactory = _ => 3 };
        var command = new Command("route", "Explain routing for task folders: each class's nearest fine clusters (with their words) and the expert weights")
        {
            RunFlags.Run, task, routing, nearest, ClustersVerb.Top, RunFlags.Threads,
        };
        return command.WithAction((p, output) =>
        {
            var run = new RunLayout(p.GetValue(RunFlags.Run)!);
            Verb.RequireRun(run);
            RequireClusters(run);
            var clusters = ClusterHierarchy.Load(run);
            var report = File.Exists(run.ClusterReport) ? ClusterReport.Load(run.ClusterReport) : null;
            IReadOnlyList<RoutingOptions> routings = p.GetValue(routing) is string r ? [RoutingOptions.Parse(r)] : RoutingOptions.All;
            using var encoder = CaptionEncoder.Open(EmbedStage.EncoderOf(run), RunFlags.Options(p).Eval.Threads);
            foreach (string folder in p.GetValue(task)!)
                output.WriteLine(RoutingExplanation.Explain(TaskFolder.Metadata(folder, encoder), clusters, report, routings, p.GetValue(nearest)).ToText(p.GetValue(ClustersVerb.Top)));
        });
    }

    /// <summary>Routing reads the cluster stage's centers: it must have finished.</summary>
    static void RequireClusters(RunLayout run)
    {
        if (!ClusterStage.Stage.IsDone(run))
            throw new InvalidOperationException($"{run.Root}: routing needs the cluster stage; run `{ModeCommand.Invocation} cluster --run {ModeCommand.Quote(run.Root)}`");
    }
}
