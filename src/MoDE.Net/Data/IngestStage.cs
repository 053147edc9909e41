using MoDE.Run;

namespace MoDE.Data;

/// <summary>
/// Stage 0: the pairs and the zero-shot tasks into the run directory. For now the source is the built-in
/// synthetic web dataset; a preview sheet of its images is written beside the pairs.
/// </summary>
public static class IngestStage
{
    public const string Name = "ingest";

    public static void Run(RunLayout run, SyntheticWebOptions options, TextWriter log)
    {
        options.Validate();
        if (StageMarker.IsDone(run, Name, options)) { log.WriteLine("ingest: done already, skipped"); return; }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var progress = new ConsoleProgress("ingest", options.Pairs, log);
        var pairs = SyntheticWeb.GeneratePairs(options, new Progress<int>(done => progress.Report(done)));
        PairStore.Save(pairs, run.Pairs, run.Images);
        SyntheticWeb.RenderContactSheet(pairs, run.Preview, perClass: 8);
        var tasks = SyntheticWeb.GenerateTasks(options);
        foreach (var task in tasks) TaskStore.Save(task, run.Task(task.Name));
        StageMarker.MarkDone(run, Name, options);
        log.WriteLine($"ingest: {pairs.Count} pairs ({pairs.Pairs.Count(p => p.Noisy)} noisy) and {tasks.Count} zero-shot tasks " +
                      $"({string.Join(", ", tasks.Select(t => $"{t.Name}: {t.Classes.Count} classes"))}) in {clock.Elapsed.TotalSeconds:F1} s");
    }
}
