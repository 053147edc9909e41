using System.Globalization;
using MoDE.Cluster;
using MoDE.Data.Ingest;
using MoDE.Eval;
using MoDE.Split;
using MoDE.Storage;

namespace MoDE.Report;

/// <summary>
/// <c>mode report</c>: what a run made, as Markdown (<c>report/report.md</c>, plots beside it as PNG) and as one
/// self-contained HTML page (<c>report/report.html</c>): the run's options and the versions of the program and its
/// tools (<see cref="RunProvenance"/>), fine and coarse cluster sizes, what each expert's captions are about, the
/// results table with each score's 95% interval, accuracy per method and task, the routing weights per task, and
/// the training curves. Parts whose stage has not run are left out.
/// </summary>
public static class RunReport
{
    /// <summary>The last stage: it reads whatever the earlier stages made, so it needs only a run directory with pairs.</summary>
    public static readonly Stage Stage = new("report", [IngestStage.Stage], run => [run.ReportMarkdown, run.ReportHtml]);

    public static ReportDocument Build(RunLayout run)
    {
        var document = new ReportDocument($"MoDE run {Path.GetFileName(run.Root)}");
        document.AddParagraph($"Run directory: {run.Root}. Made {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
        RunProvenance.AddTo(document, run);

        if (File.Exists(run.ClusterReport))
        {
            var clusters = ClusterReport.Load(run.ClusterReport);
            document.AddHeading("Clusters");
            document.AddParagraph(FormattableString.Invariant(
                $"{clusters.Captions} captions in m = {clusters.Fine.Count} fine clusters (imbalance {clusters.FineImbalance:F2}) and n = {clusters.Coarse.Count} coarse clusters, one per data expert (imbalance {clusters.CoarseImbalance:F2})."));
            document.AddTable(["expert", "captions", "fine clusters", "mean cosine", "words", "domains"], clusters.Coarse.Select(c => (IReadOnlyList<string>)
                [$"expert {c.Id}", c.Captions.ToString(CultureInfo.InvariantCulture), c.Children.ToString(CultureInfo.InvariantCulture),
                 c.MeanCosine.ToString("F2", CultureInfo.InvariantCulture), string.Join(' ', c.Words.Take(8)),
                 string.Join(", ", c.Domains.Take(3).Select(d => $"{d.Key} {d.Value}"))]));
            document.AddPlot("coarse_sizes", "Captions per expert (coarse cluster), with each expert's top words.", ClusterSizePlot.Coarse(clusters));
            document.AddPlot("fine_sizes", "Captions per fine cluster, largest first, coloured by expert; the dashed line is the mean.", ClusterSizePlot.Fine(clusters));
        }

        foreach (var (title, path) in new[] { ("Results on the run's tasks", run.ResultsJson), ("Results on tasks from disk", run.TaskResultsJson) })
        {
            if (!File.Exists(path)) continue;
            var results = Results.Load(path);
            string stem = path == run.ResultsJson ? "" : "tasks_";
            document.AddHeading(title);
            document.AddParagraph("Each task's column holds its headline metric (%): " +
                                  string.Join(", ", results.Tasks.Select((t, i) => $"{t}: {results.Headlines?.ElementAtOrDefault(i) ?? ClassificationMetrics.Top1}")) + ".");
            document.AddParagraph(Noise(results));
            if (results.Note.Length > 0) document.AddParagraph(results.Note);
            document.AddTable(["method", .. results.Tasks, "average"], results.Methods.Select(m => (IReadOnlyList<string>)
                [m.Name, .. m.Accuracy.Select((a, t) => WithHalfWidth(a, results.Interval(m, t)?.HalfWidth)), WithHalfWidth(m.Average, results.AverageHalfWidth(m))]));
            document.AddList(results.Methods.Select(m => $"{m.Name}: {m.Description}."));
            document.AddPlot(stem + "accuracy_average", "Average over tasks per method.", AccuracyBars.Average(results));
            document.AddPlot(stem + "accuracy_tasks", "Score per task for the main methods.", AccuracyBars.PerTask(results));
            var fine = results.RoutedWeights.Where(w => !w.Key.Contains("coarse", StringComparison.Ordinal) && !w.Key.Contains("per query", StringComparison.Ordinal))
                .ToDictionary(w => w.Key, w => w.Value);
            if (fine.Count > 0)
                document.AddPlot(stem + "routing", "Expert weights per task, routed by fine centers with the released code's, the paper's and the calibrated formulas.",
                    RoutingHeatmap.Render(fine));
            var coarse = results.RoutedWeights.Where(w => w.Key.Contains("coarse", StringComparison.Ordinal) && !w.Key.Contains("per query", StringComparison.Ordinal))
                .ToDictionary(w => w.Key, w => w.Value);
            if (coarse.Count > 0)
                document.AddPlot(stem + "routing_coarse", "Expert weights per task, routed by coarse centers.", RoutingHeatmap.Render(coarse, "Routing by coarse centers: expert weights per task"));
        }

        var models = RunModels.Of(run).Where(m => File.Exists(run.TrainLog(m))).ToList();
        if (models.Count > 0)
        {
            document.AddHeading("Training");
            var rows = models.Select(m => (Model: m, Points: TrainingCurves.Read(run.TrainLog(m)))).Where(x => x.Points.Count > 0).ToList();
            document.AddTable(["model", "steps logged", "first loss", "last loss"], rows.Select(x => (IReadOnlyList<string>)
                [x.Model, x.Points.Count.ToString(CultureInfo.InvariantCulture), x.Points[0].Loss.ToString("F3", CultureInfo.InvariantCulture),
                 x.Points[^1].Loss.ToString("F3", CultureInfo.InvariantCulture)]));
            document.AddPlot("training", "Contrastive loss per step: the seed, each expert continuing from it, the single model (dashed black) and the equal-compute baseline (dashed grey).",
                TrainingCurves.Render(run, models));
        }
        if (!PlotStyle.HasFont) document.AddParagraph("Note: DejaVu Sans was not found, so the plots may have no text; install fonts-dejavu-core.");
        return document;
    }

    /// <summary>Builds the report and writes the Markdown, the PNGs and the HTML page; <paramref name="stop"/> is honoured
    /// before the files are written.</summary>
    public static ReportDocument Write(RunLayout run, TextWriter log, CancellationToken stop = default)
    {
        using var hold = Stage.Hold(run);
        var document = Build(run);
        stop.ThrowIfCancellationRequested();
        foreach (var (name, png) in document.Plots) AtomicFile.Write(run.ReportPlot(name), s => s.Write(png));
        AtomicFile.WriteAllText(run.ReportMarkdown, document.ToMarkdown());
        AtomicFile.WriteAllText(run.ReportHtml, document.ToHtml());
        Stage.Finish(run, new { Plots = document.Plots.Count() });
        log.WriteLine($"report: {run.ReportMarkdown} and {run.ReportHtml} ({document.Plots.Count()} plots)");
        return document;
    }

    static string Percent(double value) => (100 * value).ToString("F1", CultureInfo.InvariantCulture);

    static string WithHalfWidth(double value, double? halfWidth) => halfWidth is { } h ? $"{Percent(value)} ±{Percent(h)}" : Percent(value);

    /// <summary>What the ± of the results table means, or that the results carry no test-set sizes.</summary>
    static string Noise(Results results)
    {
        if (results.TaskSizes is not { } sizes || sizes.Count != results.Tasks.Count)
            return "These results were written before results.json recorded each task's test-set size, so the scores carry no interval; " +
                   "differences of a few points between methods may be test-set noise.";
        return "Test items per task: " + string.Join(", ", results.Tasks.Select((t, i) => $"{t} {sizes[i]}")) +
               " (classification: its images; retrieval: its images with a caption, the fewer of its two query sets). " +
               "Each score is a proportion over its task's test items; ± is half the width of its 95% Wilson score interval " +
               "(Wilson 1927), chosen over the normal approximation because it holds its coverage on small test sets and near 0 or 100%. " +
               "The interval is not centred on the score but pulled towards 50%, so it is lopsided near 0 and 100%: 0.0 ±h stands for [0, 2h]. " +
               "The average's ± combines the tasks' half-widths in quadrature, the tasks' test sets being independent. " +
               "Differences between methods smaller than the interval are within test-set noise and are not results " +
               "(methods scored on the same items can be compared a little more finely with a paired test, such as McNemar's)." +
               (results.Headlines?.Contains(ClassificationMetrics.MeanPerClass) == true
                   ? " Mean per-class accuracy is a mean of per-class proportions; for it the images' count is an approximate sample size."
                   : "");
    }
}
