using System.CommandLine;
using System.Diagnostics;
using MoDE.Cli.Flags;
using MoDE.Run;
using MoDE.Storage;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode run</c>: every stage in order, the report included; stages already done are skipped.</summary>
public static class RunVerb
{
    public static Command Create(CancellationToken stop)
    {
        var command = new Command("run", "The whole pipeline on the built-in dataset (or --source, scored on a held-out share of it), the report included; stages already done are skipped")
        {
            RunFlags.Run, RunFlags.Seed, RunFlags.Threads, RunFlags.Tasks,
        };
        RunFlags.AddData(command, evaluates: true);
        StageFlags.Embed.AddTo(command);
        StageFlags.EmbedMachine.AddTo(command);
        StageFlags.Cluster.AddTo(command);
        StageFlags.Split.AddTo(command);
        RunFlags.AddTrain(command);
        StageFlags.TrainMachine.AddTo(command);
        return command.WithAction((p, output) =>
        {
            var run = new RunLayout(p.GetValue(RunFlags.Run)!);
            var options = RunFlags.Options(p);
            var clock = Stopwatch.StartNew();
            output.WriteLine($"MoDE run in {run.Root}");
            var results = Pipeline.Run(run, options, output, stop);
            output.WriteLine();
            output.WriteLine("Scores (%), each task's headline metric (zero-shot top-1 unless a task says otherwise):");
            output.WriteLine(results.ToTable());
            output.WriteLine($"Table written to {run.ResultsMarkdown} and {run.ResultsJson}; report in {run.ReportHtml}");
            output.WriteLine($"Wall time {clock.Elapsed:hh\\:mm\\:ss}, peak memory {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB");
        }, RunFlags.Names);
    }
}
