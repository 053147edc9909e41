using System.Text.Json;
using MoDE.Split;
using MoDE.Storage;
using ScottPlot;

namespace MoDE.Report;

/// <summary>Training loss against step for every model, read from the models' JSONL logs (one object per step).</summary>
public static class TrainingCurves
{
    /// <summary>(step, loss) of every line of a training log that has both; empty when the log is missing.</summary>
    public static List<(int Step, double Loss)> Read(string path)
    {
        var points = new List<(int, double)>();
        if (!File.Exists(path)) return points;
        foreach (string line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var json = JsonDocument.Parse(line);
                if (json.RootElement.TryGetProperty("step", out var step) && json.RootElement.TryGetProperty("loss", out var loss))
                    points.Add(((int)step.GetDouble(), loss.GetDouble()));
            }
            catch (JsonException) { } // a line cut off by a killed run
        }
        return points;
    }

    /// <summary>One line per model with a log; the loss is smoothed over <paramref name="window"/> steps.</summary>
    public static byte[] Render(RunLayout run, IReadOnlyList<string> models, int window = 10)
    {
        var plot = PlotStyle.New("Training loss (contrastive, smoothed)");
        foreach (string model in models)
        {
            var points = Read(run.TrainLog(model));
            if (points.Count == 0) continue;
            var smooth = points.Select((p, i) => points.Skip(Math.Max(0, i - window + 1)).Take(Math.Min(window, i + 1)).Average(x => x.Loss)).ToArray();
            var line = plot.Add.ScatterLine(points.Select(p => (double)p.Step).ToArray(), smooth);
            line.LegendText = model;
            line.LineWidth = 2;
            line.MarkerSize = points.Count < 30 ? 6 : 0; // a short log (an expert of a tiny run) stays visible
            // experts in their colours; the seed solid black; the single model and the baseline dashed
            line.Color = model switch
            {
                RunModels.Seed => Colors.Black,
                RunModels.Baseline => Colors.Gray,
                RunModels.Single => Colors.Black,
                _ when model.StartsWith("expert_", StringComparison.Ordinal) && int.TryParse(model["expert_".Length..], out int e) => PlotStyle.Expert(e),
                _ => Colors.Brown,
            };
            if (model is RunModels.Baseline or RunModels.Single) line.LinePattern = LinePattern.Dashed;
        }
        plot.Axes.Bottom.Label.Text = "step";
        plot.Axes.Left.Label.Text = "loss";
        plot.ShowLegend(Alignment.UpperRight);
        return PlotStyle.Png(plot);
    }
}
