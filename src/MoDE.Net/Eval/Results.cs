using System.Globalization;
using System.Text;
using System.Text.Json;
using MoDE.Run;

namespace MoDE.Eval;

/// <summary>
/// Zero-shot top-1 accuracy of every method on every task, with the expert weights routing gave each task.
/// Methods are rows, tasks columns, the last column the mean over tasks.
/// </summary>
public sealed record Results(IReadOnlyList<string> Tasks, IReadOnlyList<Results.Method> Methods, IReadOnlyDictionary<string, double[]> RoutedWeights, string Note)
{
    public sealed record Method(string Name, string Description, double[] Accuracy)
    {
        public double Average => Accuracy.Average();
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| method | " + string.Join(" | ", Tasks) + " | average |");
        text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", Tasks.Count + 1)));
        foreach (var m in Methods)
            text.AppendLine($"| {m.Name} | " + string.Join(" | ", m.Accuracy.Select(Percent)) + $" | **{Percent(m.Average)}** |");
        text.AppendLine();
        foreach (var m in Methods) text.AppendLine($"- **{m.Name}**: {m.Description}");
        text.AppendLine();
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

    public void Save(RunLayout run)
    {
        AtomicFile.WriteAllText(run.ResultsJson, JsonSerializer.Serialize(this, Json));
        AtomicFile.WriteAllText(run.ResultsMarkdown, "# Zero-shot top-1 accuracy (%)\n\n" + ToMarkdown());
    }

    public static Results Load(RunLayout run) =>
        JsonSerializer.Deserialize<Results>(File.ReadAllText(run.ResultsJson)) ?? throw new InvalidDataException($"{run.ResultsJson}: empty");

    static string Percent(double accuracy) => (100 * accuracy).ToString("F1", CultureInfo.InvariantCulture);
}
