using System.Globalization;
using System.Text.Json;
using System.Text;
using MoDE.Storage;

namespace MoDE.Eval;

/// <summary>
/// The score of every method on every task, with the expert weights routing gave each task. Methods are rows,
/// tasks columns, the last column the mean over tasks; each task's column holds its headline metric
/// (<see cref="Headlines"/>: top-1 unless the task says otherwise, mean Recall@1 for retrieval), and
/// <see cref="Method.Metrics"/> every metric measured.
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

    string Headline(int task) => Headlines is { } h && task < h.Count ? h[task] : ClassificationMetrics.Top1;

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| method | " + string.Join(" | ", Tasks) + " | average |");
        text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", Tasks.Count + 1)));
        foreach (var m in Methods)
            text.AppendLine($"| {m.Name} | " + string.Join(" | ", m.Accuracy.Select(Percent)) + $" | **{Percent(m.Average)}** |");
        text.AppendLine();
        text.AppendLine();
        text.AppendLine("Column metrics: " + string.Join(", ", Tasks.Select((t, i) => $"{t} {Headline(i)}")) + ".");
        text.AppendLine();
        foreach (var m in Methods) text.AppendLine($"- **{m.Name}**: {m.Description}");
        text.AppendLine();
        if (Methods.All(m => m.Metrics is not null))
            for (int t = 0; t < Tasks.Count; t++)
            {
                var names = Methods[0].Metrics![t].Keys.ToList();
                text.AppendLine($"All metrics of {Tasks[t]}:");
                text.AppendLine();
                text.AppendLine("| method | " + string.Join(" | ", names) + " |");
                text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", names.Count)));
                foreach (var m in Methods)
                    text.AppendLine($"| {m.Name} | " + string.Join(" | ", names.Select(n => Percent(m.Metrics![t].GetValueOrDefault(n, double.NaN)))) + " |");
                text.AppendLine();
            }
        text.AppendLine("Routed expert weights per task:");
        text.AppendLine();
        foreach (var (formula, weights) in RoutedWeights)
            text.AppendLine($"- {formula}: {string.Join(", ", weights.Select(w => w.ToString("F2", CultureInfo.InvariantCulture)))}");
        if (Note.Length > 0) text.AppendLine().AppendLine(Note);
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
        return text.ToString();
    }

    public void Save(RunLayout run) => Save(run.ResultsJson, run.ResultsMarkdown);

    public void Save(string json, string markdown)
    {
        AtomicFile.WriteAllText(json, JsonSerializer.Serialize(this, Json));
        AtomicFile.WriteAllText(markdown, "# Zero-shot results (%)\n\n" + ToMarkdown());
    }

    public static Results Load(RunLayout run) => Load(run.ResultsJson);

    public static Results Load(string path) =>
        JsonSerializer.Deserialize<Results>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}: empty");

    static string Percent(double accuracy) => (100 * accuracy).ToString("F1", CultureInfo.InvariantCulture);
}
