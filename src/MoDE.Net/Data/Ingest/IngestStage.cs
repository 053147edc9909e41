using MoDE.Data.Synthetic;
using MoDE.Data;
using MoDE.Storage;

namespace MoDE.Data.Ingest;

/// <summary>
/// Stage 0: the pairs and the zero-shot tasks into the run directory. By default the source is the built-in
/// synthetic web dataset (a preview sheet of its images is written beside the pairs); with
/// <see cref="SourceOptions"/> it is the user's data (WebDataset shards, CSV/TSV/Parquet manifests, a folder),
/// with a report of what was kept and skipped in ingest/report.json. Real sources bring no tasks, so a share of the
/// user's images is held out of training as the retrieval task tasks/held-out (<see cref="HeldOutSplit"/>); other tasks
/// can be imported (<c>mode import fashion-mnist --task-only</c>), copied into the run's tasks folder, or named with
/// <c>mode run --tasks</c>.
/// </summary>
public static class IngestStage
{
    /// <summary>The pairs and the zero-shot tasks; the first stage, needing nothing.</summary>
    public static readonly Stage Stage = new("ingest", [], run => [run.Pairs, run.Images, run.TasksFolder]);

    /// <summary>The built-in dataset, its images written as they are rendered (<see cref="ImageSetWriter.ChunkBytes"/> at a time);
    /// <paramref name="stop"/> ends the rendering at its next image, before anything is committed (a rerun renders again:
    /// every image is a function of the seed and its index).</summary>
    public static void Run(RunLayout run, SyntheticWebOptions options, TextWriter log, CancellationToken stop = default)
    {
        options.Validate();
        using var hold = Stage.Begin(run, options, log);
        if (hold is null) return;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var progress = new ConsoleProgress("ingest", options.Pairs, log);
        IReadOnlyList<Pair> pairs;
        IReadOnlyList<ZeroShotTask> tasks;
        using (var writer = new ImageSetWriter(run.Images, options.ImageSize, options.ImageSize, options.ShardBytes))
        {
            pairs = SyntheticWeb.GeneratePairs(options, writer, new Progress<int>(done => progress.Report(done)), stop);
            tasks = SyntheticWeb.GenerateTasks(options, stop);
            writer.Commit();
        }
        PairStore.SaveCaptions(pairs, run.Pairs);
        using (var images = ImageSet.Open(run.Images))
            SyntheticWeb.RenderContactSheet(pairs.Select(p => p.Label), images, run.Preview, perClass: 8);
        foreach (var task in tasks) TaskStore.Save(task, run.Task(task.Name));
        Stage.Finish(run, options);
        log.WriteLine($"ingest: {pairs.Count} pairs ({pairs.Count(p => p.Noisy)} noisy) and {tasks.Count} zero-shot tasks " +
                      $"({string.Join(", ", tasks.Select(t => $"{t.Name}: {t.Classes.Count} classes"))}) in {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>The user's data instead of the built-in dataset; returns the report (also saved to ingest/report.json).
    /// <paramref name="stop"/> ends the reading at its next chunk of records; the whole image shards stay, and a rerun
    /// with the same options resumes after them (<see cref="PartialIngest"/>).</summary>
    public static IngestReport? Run(RunLayout run, SourceOptions options, TextWriter log, CancellationToken stop = default)
    {
        options.Validate();
        using var hold = Stage.Begin(run, options, log);
        if (hold is null) return null;
        log.WriteLine($"ingest: reading {options.Source}");
        var report = SourceIngest.Run(options, run.Pairs, run.Images, log, stop);
        report.Save(run.IngestReport);
        if (report.Kept == 0)
            throw new InvalidDataException($"{options.Source}: no pair could be used ({report.Summary()}); see {run.IngestReport}");
        Directory.CreateDirectory(run.TasksFolder);
        var (images, pairs) = HeldOutSplit.Apply(run, options, stop);
        report.Kept -= pairs;
        report.HeldOut = pairs;
        report.HeldOutImages = images;
        report.Save(run.IngestReport);
        log.WriteLine(images > 0
            ? $"ingest: {images} images ({pairs} pairs) held out of training as the retrieval task {run.Task(HeldOutSplit.TaskName)}, which the eval stage scores"
            : $"ingest: no images held out for evaluation ({(options.HeldOut > 0 ? $"{report.Kept} pairs, fewer than {2 * options.HeldOutMin}" : "--held-out 0")}); the eval stage needs other task folders");
        Stage.Finish(run, options);
        log.WriteLine($"ingest: {report.Summary()} in {report.Seconds:F1} s; report in {run.IngestReport}");
        return report;
    }
}
