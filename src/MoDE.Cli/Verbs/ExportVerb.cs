using System.CommandLine;
using MoDE.Cli.Flags;
using MoDE.Export;
using MoDE.Route;
using MoDE.Storage;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode export</c>: the run's models as open_clip folders, the router, mode_clip.py and a README.</summary>
public static class ExportVerb
{
    static readonly Flag<ExportOptions, string> To = new("--to", "Export folder: new, empty, or an earlier export of this run (its files are replaced)",
        nameof(ExportOptions.To), o => o.To, (o, v) => o with { To = v });

    static readonly Flag<ExportOptions, string> Routing = new("--routing", "The router file's default routing: code, paper or calibrated, optionally with coarse (\"paper,coarse\")",
        nameof(ExportOptions.Routing), o => o.Routing.Name, (o, v) => o with { Routing = RoutingOptions.Parse(v) });

    static readonly FlagSet<ExportOptions> Flags = new(To, Routing);

    public static Command Create(CancellationToken stop)
    {
        To.Option.Required = true;
        var command = new Command("export", "Write every model of a finished run as an open_clip folder (open_clip_model.safetensors, open_clip_config.json), " +
                                            "the router (mode_router.json, centers), mode_clip.py and a README with the Python lines that load, route and ensemble")
        {
            RunFlags.Run,
        };
        Flags.AddTo(command);
        return command.WithAction((p, output) =>
        {
            var run = new RunLayout(p.GetValue(RunFlags.Run)!);
            Verb.RequireRun(run);
            RunExport.Run(run, Flags.Apply(p, new ExportOptions()), output, stop);
        }, Flags, new FlagName("text", Routing.Option.Name));
    }
}
