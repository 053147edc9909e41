using MoDE.Eval;
using ScottPlot;

namespace MoDE.Report;

/// <summary>Scores per method and task, from the results: the average over tasks per method, and per task for the main methods.</summary>
public static class AccuracyBars
{
    /// <summary>Methods compared task by task (the experts alone are left to the table).</summary>
    static readonly string[] Main = ["baseline", "single", "uniform", "max", "oracle", "MoDE (code)", "MoDE (paper)", "MoDE (calibrated)"];

    /// <summary>Horizontal bars, one per method: its average over tasks (%).</summary>
    public static byte[] Average(Results results, string title = "Average over tasks per method (%)")
    {
        var plot = PlotStyle.New(title);
        var methods = results.Methods;
        var bars = methods.Select((m, i) => new Bar
        {
            Position = methods.Count - 1 - i, Value = 100 * m.Average, Label = $"{100 * m.Average:F1}",
            FillColor = m.Name.StartsWith("MoDE", StringComparison.Ordinal) ? PlotStyle.Expert(1)
                : m.Name.StartsWith("expert", StringComparison.Ordinal) ? PlotStyle.Expert(7) : PlotStyle.Expert(0),
        }).ToList();
        var series = plot.Add.Bars(bars);
        series.Horizontal = true;
        series.ValueLabelStyle.FontSize = 12;
        PlotStyle.Categories(plot.Axes.Left, methods.Select(m => m.Name).Reverse().ToList());
        plot.Axes.Bottom.Label.Text = "score (%)";
        plot.Axes.Margins(left: 0, right: 0.12);
        return PlotStyle.Png(plot, PlotStyle.Width, Math.Max(300, 90 + 28 * methods.Count));
    }

    /// <summary>Grouped bars: for each task, one bar per main method (%).</summary>
    public static byte[] PerTask(Results results, string title = "Score per task (%)")
    {
        var plot = PlotStyle.New(title);
        var methods = Main.Select(name => results.Methods.FirstOrDefault(m => m.Name == name)).OfType<Results.Method>().ToList();
        double width = 0.8 / Math.Max(1, methods.Count);
        for (int k = 0; k < methods.Count; k++)
        {
            var color = PlotStyle.Expert(k);
            var bars = results.Tasks.Select((_, t) => new Bar
            {
                Position = t - 0.4 + width * (k + 0.5), Value = 100 * methods[k].Accuracy[t], Size = width * 0.95, FillColor = color, LineWidth = 0,
            }).ToList();
            plot.Add.Bars(bars);
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = methods[k].Name, FillColor = color });
        }
        var headlines = results.Headlines;
        PlotStyle.Categories(plot.Axes.Bottom, results.Tasks.Select((t, i) => headlines is { } h && i < h.Count ? $"{t}\n{h[i]}" : t).ToList());
        plot.Axes.Left.Label.Text = "score (%)";
        plot.ShowLegend(Edge.Right);
        plot.Axes.Margins(bottom: 0, top: 0.05);
        return PlotStyle.Png(plot, 1100, 480);
    }
}
