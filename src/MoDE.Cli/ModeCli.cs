using System.CommandLine;
using MoDE.Cli.Verbs;

namespace MoDE.Cli;

/// <summary>
/// The <c>mode</c> command: one verb per stage of the pipeline, plus <c>run</c> (all of them), the views of a run
/// (<c>status</c>, <c>clusters</c>, <c>route</c>, <c>report</c>) and <c>ablate</c>. Each verb declares only its own
/// options (<c>Verbs/</c>); their defaults come from the options records (<c>Flags/</c>).
/// </summary>
public static class ModeCli
{
    /// <summary>Parses and runs one command line; a parse error is one line naming the flag, exit code 2.</summary>
    public static int Invoke(string[] args, CancellationToken stop, InvocationConfiguration? configuration = null)
    {
        configuration ??= new InvocationConfiguration();
        var parse = Create(stop, "mode " + string.Join(' ', args)).Parse(args);
        if (parse.Errors.Count > 0)
        {
            string verb = Verb.Path(parse.CommandResult);
            configuration.Error.WriteLine($"mode{(verb.Length > 0 ? " " + verb : "")}: {parse.Errors[0].Message} (see `mode {verb} --help`)".Replace("  ", " "));
            return Verb.BadFlag;
        }
        return parse.Invoke(configuration);
    }

    public static RootCommand Create(CancellationToken stop, string commandLine = "mode") =>
        new("MoDE.NET: Mixtures of CLIP Data Experts. Cluster image-caption pairs by caption, train one CLIP per cluster, route tasks to experts by class names.")
        {
            RunVerb.Create(stop),
            IngestVerb.Create(stop),
            ImportVerb.Create(stop),
            EmbedVerb.Create(stop),
            ClusterVerb.Create(stop),
            ClustersVerb.Create(),
            SplitVerb.Create(stop),
            TrainVerb.Create(stop),
            StatusVerb.Create(),
            EvalVerb.Create(stop),
            RouteVerb.Create(),
            ClassifyVerb.Create(),
            ServeVerb.Create(stop),
            ReportVerb.Create(stop),
            ExportVerb.Create(stop),
            SeedCheckpointVerb.Create(),
            ShardsVerb.Create(stop),
            ImportExpertsVerb.Create(),
            AblateVerb.Create(stop, commandLine),
        };
}
