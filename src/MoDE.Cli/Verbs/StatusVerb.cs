using System.CommandLine;
using MoDE.Cli.Flags;
using MoDE.Run;
using MoDE.Storage;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode status</c>: every stage, model and Slurm job of a run.</summary>
public static class StatusVerb
{
    public static Command Create() =>
        new Command("status", "Every stage and Slurm task of the run: pending, running, done or failed, with its log") { RunFlags.Run }.WithAction((p, output) =>
        {
            var run = new RunLayout(p.GetValue(RunFlags.Run)!);
            if (!Directory.Exists(run.Root)) throw new DirectoryNotFoundException($"{run.Root}: no such run directory");
            if (!Pipeline.Stages.Any(s => Directory.Exists(Path.GetDirectoryName(run.Done(s.Stage.Name)))) && !Directory.Exists(Path.Combine(run.Root, "slurm")))
                throw new InvalidOperationException($"{run.Root} is not a MoDE run: no stage has started in it");
            RunStatus.Write(run, output);
        });
}
