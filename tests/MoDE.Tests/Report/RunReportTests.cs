using MoDE.Report;
using MoDE.Tests;

namespace MoDE.Tests.Report;

[Collection(TinyRunCollection.Name)]
public class RunReportTests(TinyRun tiny)
{
    [Fact]
    public void WritesMarkdownPlotsAndASelfContainedHtmlPage()
    {
        var run = tiny.Run;
        var document = RunReport.Write(run, new StringWriter());
        string[] plots = ["coarse_sizes", "fine_sizes", "accuracy_average", "accuracy_tasks", "routing", "routing_coarse", "training"];
        Assert.Equal(plots, document.Plots.Select(p => p.Name));
        foreach (string name in plots)
        {
            byte[] png = File.ReadAllBytes(run.ReportPlot(name));
            Assert.True(png.Length > 5000, $"{name}.png is only {png.Length} bytes");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        }
        string html = File.ReadAllText(run.ReportHtml);
        Assert.Equal(plots.Length, html.Split("src=\"data:image/png;base64,").Length - 1);
        Assert.DoesNotContain("http", html);
        Assert.DoesNotContain("src=\"report", html);
        string markdown = File.ReadAllText(run.ReportMarkdown);
        Assert.Contains("![", markdown);
        Assert.Contains("| MoDE (code) |", markdown);
        Assert.True(PlotStyle.HasFont, "DejaVu Sans not found: plots have no text");
        if (Environment.GetEnvironmentVariable("MODE_REPORT_COPY") is { Length: > 0 } copy)
        {
            Directory.CreateDirectory(copy);
            foreach (string file in Directory.GetFiles(Path.GetDirectoryName(run.ReportHtml)!)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)), true);
        }
    }
}
