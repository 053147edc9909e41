using System.Globalization;
using ScottPlot;

namespace MoDE.Report;

/// <summary>Expert weights per task and routing as a heatmap: rows "task (routing)", columns experts, each cell labelled.</summary>
public static class RoutingHeatmap
{
    public static byte[] Render(IReadOnlyDictionary<string, double[]> weights, string title = "Routing: expert weights per task")
    {
        var rows = weights.Keys.ToList();
        int experts = weights.Values.First().Length;
        var values = new double[rows.Count, experts];
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < experts; c++) values[r, c] = weights[rows[r]][c];
        var plot = PlotStyle.New(title);
        var map = plot.Add.Heatmap(values);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        map.ManualRange = new ScottPlot.Range(0, 1);
        // Cell (r, c) is centred at x = c, y = rows - 1 - r: row 0 on top.
        map.Extent = new CoordinateRect(-0.5, experts - 0.5, -0.5, rows.Count - 0.5);
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < experts; c++)
            {
                var label = plot.Add.Text(values[r, c].ToString("F2", CultureInfo.InvariantCulture), c, rows.Count - 1 - r);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontSize = 12;
                label.LabelFontColor = values[r, c] > 0.6 ? Colors.Black : Colors.White;
            }
        plot.Add.ColorBar(map).Label = "weight";
        PlotStyle.Categories(plot.Axes.Bottom, Enumerable.Range(0, experts).Select(c => $"expert {c}").ToList());
        PlotStyle.Categories(plot.Axes.Left, Enumerable.Range(0, rows.Count).Select(i => rows[rows.Count - 1 - i]).ToList());
        plot.Axes.SetLimits(-0.5, experts - 0.5, -0.5, rows.Count - 0.5);
        return PlotStyle.Png(plot, PlotStyle.Width, Math.Max(300, 120 + 26 * rows.Count));
    }
}
