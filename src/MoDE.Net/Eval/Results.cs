using System.Globalization;
using System.Text.Json;
using System.Text;
using MoDE.Storage;

namespace MoDE.Eval;

/// <summary>
/// The score of every method on every task, with the expert weights routing gave each task. Methods are rows,
/// tasks columns, the last column the mean over tasks; each task's column holds its headline metric
/// (<see cref="Headlines"/>: top-1 unless the task says otherwise, mean Recall@1 for retrieval), and
/// <see cref="Method.Metrics"/> every metric measured. Each headline is a proportion over the task's test items
/// (<see cref="TaskSizes"/>), so it carries a 95% <see cref="WilsonInterval"/>.
/// </summary>
public sealed record Results(IReadOnlyList<string> Tasks, IReadOnlyList<Results.Method> Methods, IReadOnlyDictionary<string, double[]> RoutedWeights, string Note)
{
    /// <param name="Accuracy">The headline metric per task.</param>
    public sealed record Method(string Name, string Description, double[] Accuracy)
    {
        public double Average => Accuracy.Average();

        /// <summary>Every metric measured, per task (null in results of older runs).</summary>
        public IReadOnlyList<Dictionary<string, double>>? Metrics { get; init; }
    }

    /// <summary>The metric of each task's column (null in results of older runs: top-1).</summary>
    public IReadOnlyList<string>? Headlines { get; init; }

    /// <summary>The test items each task's headline is a proportion over (<see cref="EvalTask.TestSize"/>; null in
    /// results of older runs: no intervals).</summary>
    public IReadOnlyList<int>? TaskSizes { get; init; }

    /// <summary>The 95% Wilson interval of <paramref name="method"/>'s headline on task <paramref name="task"/>;
    /// null when the results do not record the task's size.</summary>
    public WilsonInterval? Interval(Method method, int task) =>
        TaskSizes is { } sizes && task < sizes.Count && sizes[task] > 0 ? WilsonInterval.Of(Math.Clamp(method.Accuracy[task], 0, 1), sizes[task]) : null;

    /// <summary>The ± of <paramref name="method"/>'s average over tasks, from the tasks' independent test sets
    /// (<see cref="WilsonInterval.MeanHalfWidth"/>); null without every task's size.</summary>
    public double? AverageHalfWidth(Method method)
    {
        var intervals = Enumerable.Range(0, Tasks.Count).Select(t => Interval(method, t)).ToList();
        return intervals.All(i => i is not null) ? WilsonInterval.MeanHalfWidth(intervals.Select(i => i!.Value.HalfWidth).ToList()) : null;
    }

    string Headline(int task) => Headlines is { } h && task < h.Count ? h[task] : ClassificationMetrics.Top1;

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The table and notes as Markdown; names and descriptions are escaped (<see cref="MarkdownText.Escape"/>),
    /// so a task or method name cannot break the table or inject HTML.</summary>
    public string ToMarkdown()
    {
        static string E(string s) => MarkdownText.Escape(s);
        var text = new StringBuilder();
        text.AppendLine("| method | " + string.Join(" | ", Tasks.Select(E)) + " | average |");
        text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", Tasks.Count + 1)));
        foreach (var m in Methods)
            text.AppendLine($"| {E(m.Name)} | " + string.Join(" | ", m.Accuracy.Select(Percent)) + $" | **{Percent(m.Average)}** |");
        text.AppendLine();
        text.AppendLine();
        text.AppendLine("Column metrics: " + string.Join(", ", Tasks.Select((t, i) => $"{E(t)} {E(Headline(i))}")) + ".");
        if (TypicalHalfWidths() is { } typical)
            text.AppendLine().AppendLine("Test items and 95% Wilson half-width at the median score: " +
                                         string.Join(", ", Tasks.Select((t, i) => $"{E(t)} {TaskSizes![i]} ±{Percent(typical.Tasks[i])}")) +
                                         $", average ±{Percent(typical.Average)}; smaller differences are noise.");
        text.AppendLine();
        foreach (var m in Methods) text.AppendLine($"- **{E(m.Name)}**: {E(m.Description)}");
        text.AppendLine();
        if (Methods.All(m => m.Metrics is not null))
            for (int t = 0; t < Tasks.Count; t++)
            {
                var names = Methods[0].Metrics![t].Keys.ToList();
                text.AppendLine($"All metrics of {E(Tasks[t])}:");
                text.AppendLine();
                text.AppendLine("| method | " + string.Join(" | ", names.Select(E)) + " |");
                text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", names.Count)));
                foreach (var m in Methods)
                    text.AppendLine($"| {E(m.Name)} | " + string.Join(" | ", names.Select(n => Percent(m.Metrics![t].GetValueOrDefault(n, double.NaN)))) + " |");
                text.AppendLine();
            }
        text.AppendLine("Routed expert weights per task:");
        text.AppendLine();
        foreach (var (formula, weights) in RoutedWeights)
            text.AppendLine($"- {E(formula)}: {string.Join(", ", weights.Select(w => w.ToString("F2", CultureInfo.InvariantCulture)))}");
        if (Note.Length > 0) text.AppendLine().AppendLine(E(Note));
        return text.ToString();
    }

    /// <summary>A fixed-width table for the terminal.</summary>
    public string ToTable()
    {
        int nameWidth = Math.Max(8, Methods.Max(m => m.Name.Length));
        var widths = Tasks.Select(t => Math.Max(6, t.Length)).ToArray();
        var text = new StringBuilder();
        text.Append("method".PadRight(nameWidth));
        for (int t = 0; t < Tasks.Count; t++) text.Append("  ").Append(Tasks[t].PadLeft(widths[t]));
        text.AppendLine("  average");
        foreach (var m in Methods)
        {
            text.Append(m.Name.PadRight(nameWidth));
            for (int t = 0; t < Tasks.Count; t++) text.Append("  ").Append(Percent(m.Accuracy[t]).PadLeft(widths[t]));
            text.AppendLine("  " + Percent(m.Average).PadLeft(7));
        }
        if (Note.Length > 0) text.AppendLine(Note);
        if (TypicalHalfWidths() is not { } typical)
            return text.AppendLine("(these results record no test-set sizes, so no 95% intervals)").ToString();
        text.Append("test items".PadRight(nameWidth));
        for (int t = 0; t < Tasks.Count; t++) text.Append("  ").Append(TaskSizes![t].ToString(CultureInfo.InvariantCulture).PadLeft(widths[t]));
        text.AppendLine();
        text.Append("95% ±".PadRight(nameWidth));
        for (int t = 0; t < Tasks.Count; t++) text.Append("  ").Append(Percent(typical.Tasks[t]).PadLeft(widths[t]));
        text.AppendLine("  " + Percent(typical.Average).PadLeft(7));
        text.AppendLine("95% ±: half-width of the Wilson interval at each task's median score; smaller differences are noise.");
        return text.ToString();
    }

    /// <summary>
    /// The 95% half-width of each task at its median score over the methods, and of the average at the median
    /// scores: one figure per column for the noise of the whole table (the width changes little between nearby
    /// scores). Null without every task's size.
    /// </summary>
    public (double[] Tasks, double Average)? TypicalHalfWidths()
    {
        if (TaskSizes is not { } sizes || sizes.Count != Tasks.Count || Methods.Count == 0) return null;
        var median = new Method("median", "", Enumerable.Range(0, Tasks.Count).Select(t => Median(Methods.Select(m => m.Accuracy[t]))).ToArray());
        if (AverageHalfWidth(median) is not { } average) return null;
        return (Enumerable.Range(0, Tasks.Count).Select(t => Interval(median, t)!.Value.HalfWidth).ToArray(), average);
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    public void Save(RunLayout run) => Save(run.ResultsJson, run.ResultsMarkdown);

    public void Save(string json, string markdown)
    {
        AtomicFile.WriteAllText(json, JsonSerializer.Serialize(this, Json));
        AtomicFile.WriteAllText(markdown, "# Zero-shot results (%)\n\n" + ToMarkdown());
    }

    public static Results Load(RunLayout run) => Load(run.ResultsJson);

    public static Results Load(string path) => JsonFile.Read<Results>(path);

    static string Percent(double accuracy) => (100 * accuracy).ToString("F1", CultureInfo.InvariantCulture);
}
