using System.CommandLine;
using MoDE.Cli.Flags;
using MoDE.Split;
using MoDE.Storage;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode split</c>: each data expert's pairs.</summary>
public static class SplitVerb
{
    public static Command Create(CancellationToken stop)
    {
        var command = new Command("split", "Write each data expert's pairs") { RunFlags.Run };
        StageFlags.Split.AddTo(command);
        return command.WithAction((p, output) =>
        {
            var run = new RunLayout(p.GetValue(RunFlags.Run)!);
            Verb.RequireRun(run);
            SplitStage.Run(run, StageFlags.Split.Apply(p, new SplitOptions()), output, stop);
        }, RunFlags.Names);
    }
}
