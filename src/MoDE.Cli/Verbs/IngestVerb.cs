using System.CommandLine;
using MoDE.Cli.Flags;
using MoDE.Data.Ingest;
using MoDE.Storage;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode ingest</c>: the pairs and tasks into the run directory.</summary>
public static class IngestVerb
{
    public static Command Create(CancellationToken stop)
    {
        var command = new Command("ingest",
            "Write the pairs into the run directory: the built-in synthetic web pairs and zero-shot tasks, or --source (your data; skips by reason in ingest/report.json)")
        {
            RunFlags.Run, RunFlags.Seed, RunFlags.Threads,
        };
        RunFlags.AddData(command);
        return command.WithAction((p, output) =>
        {
            var run = new RunLayout(p.GetValue(RunFlags.Run)!);
            var o = RunFlags.Options(p);
            if (o.Source is { } source) IngestStage.Run(run, source, output, stop);
            else IngestStage.Run(run, o.Data, output, stop);
        }, RunFlags.Names);
    }
}
