using System.CommandLine;
using MoDE.Cli.Flags;
using MoDE.Eval;
using MoDE.Storage;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode eval</c>: the run's tasks, or task folders from disk.</summary>
public static class EvalVerb
{
    public static Command Create(CancellationToken stop)
    {
        var tasks = new Option<string[]>("--tasks")
        {
            Description = "Task folders to evaluate: task.json + labels.csv, an ImageFolder tree, or pairs.csv (retrieval)", AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("eval", "Zero-shot accuracy of the baselines, each expert, and the uniform and routed ensembles; --tasks DIR... scores tasks from disk")
        {
            RunFlags.Run, tasks, RunFlags.Threads, RunFlags.AllowOutsidePaths,
        };
        return command.WithAction((p, output) =>
        {
            var run = new RunLayout(p.GetValue(RunFlags.Run)!);
            Verb.RequireRun(run);
            var options = RunFlags.Options(p).Eval;
            if (p.GetValue(tasks) is not { Length: > 0 } folders)
            {
                // a finished stage's table as it is, whatever tasks `mode run --tasks` gave it
                output.WriteLine((EvalStage.Stage.IsDone(run) ? Results.Load(run) : EvalStage.Run(run, options, output, stop)).ToTable());
                return;
            }
            options.Validate();
            using var hold = EvalStage.Stage.Hold(run, "tasks"); // writes eval/tasks.*: a part of the eval stage's folder
            int size = EvalStage.ImageSize(run);
            var loaded = folders.Select(f => TaskFolder.Load(f, size, options.AllowOutsidePaths)).ToList();
            var results = EvalStage.Evaluate(run, loaded, options, output, stop);
            results.Save(run.TaskResultsJson, run.TaskResultsMarkdown);
            output.WriteLine(results.ToTable());
            output.WriteLine($"Table written to {run.TaskResultsMarkdown} and {run.TaskResultsJson}");
        });
    }
}
