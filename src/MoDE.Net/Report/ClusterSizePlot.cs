using MoDE.Cluster;
using ScottPlot;

namespace MoDE.Report;

/// <summary>Captions per cluster, from the cluster report: fine clusters by size, coloured by expert; and each expert's total.</summary>
public static class ClusterSizePlot
{
    /// <summary>Fine clusters sorted by size, each bar in its expert's colour.</summary>
    public static byte[] Fine(ClusterReport report)
    {
        var plot = PlotStyle.New($"Fine clusters (m = {report.Fine.Count}): captions per cluster");
        var sorted = report.Fine.OrderByDescending(f => f.Captions).ThenBy(f => f.Id).ToList();
        plot.Add.Bars(sorted.Select((f, i) => new Bar { Position = i, Value = f.Captions, FillColor = PlotStyle.Expert(f.Parent), LineWidth = 0, Size = 0.9 }).ToList());
        foreach (var expert in report.Coarse)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"expert {expert.Id}", FillColor = PlotStyle.Expert(expert.Id) });
        plot.ShowLegend(Alignment.UpperRight);
        // fine cluster ids under the bars while they fit; beyond that the ranks alone
        if (sorted.Count <= 40) PlotStyle.Categories(plot.Axes.Bottom, sorted.Select(f => f.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList());
        plot.Axes.Bottom.Label.Text = sorted.Count <= 40 ? "fine cluster id, largest first" : "fine clusters, largest first";
        plot.Axes.Left.Label.Text = "captions";
        double mean = (double)report.Captions / Math.Max(1, report.Fine.Count);
        var line = plot.Add.HorizontalLine(mean, 1, Colors.Black, LinePattern.Dashed);
        line.LegendText = $"mean {mean:F0}";
        plot.Axes.Margins(bottom: 0);
        plot.Axes.SetLimitsX(-0.6, sorted.Count - 0.4); // ranks only: no ticks before the first bar or after the last
        return PlotStyle.Png(plot);
    }

    /// <summary>Captions per expert (coarse cluster), labelled with count and share.</summary>
    public static byte[] Coarse(ClusterReport report)
    {
        var plot = PlotStyle.New($"Coarse clusters (n = {report.Coarse.Count} experts): captions per expert");
        var bars = report.Coarse.Select(c => new Bar
        {
            Position = c.Id, Value = c.Captions, FillColor = PlotStyle.Expert(c.Id),
            Label = $"{c.Captions} ({100.0 * c.Captions / Math.Max(1, report.Captions):F0}%)",
        }).ToList();
        var series = plot.Add.Bars(bars);
        series.ValueLabelStyle.FontSize = 14;
        PlotStyle.Categories(plot.Axes.Bottom, report.Coarse.Select(c => $"expert {c.Id}\n{string.Join(' ', c.Words.Take(3))}").ToList());
        plot.Axes.Left.Label.Text = "captions";
        plot.Axes.Margins(bottom: 0, top: 0.15);
        return PlotStyle.Png(plot);
    }
}
