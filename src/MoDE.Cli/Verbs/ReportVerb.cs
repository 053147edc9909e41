using System.CommandLine;
using MoDE.Cli.Flags;
using MoDE.Report;
using MoDE.Storage;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode report</c>: report.md and a self-contained report.html.</summary>
public static class ReportVerb
{
    public static Command Create(CancellationToken stop) =>
        new Command("report", "Write report/report.md and a self-contained report/report.html with plots: clusters, results, routing, training (also the last stage of run)")
        {
            RunFlags.Run,
        }.WithAction((p, output) =>
        {
            var run = new RunLayout(p.GetValue(RunFlags.Run)!);
            Verb.RequireRun(run);
            RunReport.Write(run, output, stop);
        });
}
