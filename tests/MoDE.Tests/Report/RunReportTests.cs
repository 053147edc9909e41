using System.Text.RegularExpressions;
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
        if (Environment.GetEnvironmentVariable("MODE_REPORT_COPY") is { Length: > 0 } copy)
        {
            Directory.CreateDirectory(copy);
            foreach (string file in Directory.GetFiles(Path.GetDirectoryName(run.ReportHtml)!)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)), true);
        }
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

        // the run's options, build and tools, near the top
        Assert.True(markdown.IndexOf("## Run\n", StringComparison.Ordinal) is > 0 and var at && at < markdown.IndexOf("## Clusters", StringComparison.Ordinal));
        foreach (var stage in RunProvenance.Stages) Assert.Matches($@"\| {stage.Name} \| (\w+=|\(none\))", markdown); // eval records none
        Assert.Matches(@"\| train \| .*Steps=\d+", markdown);
        Assert.Matches(@"\| git commit \| ([0-9a-f]{40}|unknown) \|", markdown);
        foreach (string tool in new[] { "MoDE.NET", "caption encoder", ".NET runtime", "TorchSharp", "libtorch", "ONNX Runtime", "OS" })
            Assert.Matches($@"\| {Regex.Escape(tool)} \| [^|]*\w[^|]* \|", markdown);
        Assert.DoesNotContain("unavailable", markdown);

        // every score with its 95% interval, and what the interval means
        Assert.Matches(@"\| MoDE \(code\) \| (\d+\.\d ±\d+\.\d \| )+\d+\.\d ±\d+\.\d \|", markdown);
        Assert.Contains("Wilson score interval", markdown);
        Assert.Contains("are not results", markdown);
        Assert.Matches(@"<td>\d+\.\d (±|&#177;)\d+\.\d</td>", html); // right-aligned like the plain numbers
        Assert.Contains("- oracle: the best single expert for each task, chosen on the test labels", markdown);
        Assert.DoesNotContain("ORACLE", markdown);
        Assert.True(PlotStyle.HasFont, "DejaVu Sans not found: plots have no text");
    }

    [Fact]
    public void ResultsOfAnOlderVersionGetNoIntervalAndTheReportSaysSo()
    {
        var run = tiny.Run;
        string results = File.ReadAllText(run.ResultsJson);
        try
        {
            // results.json as versions before test-set sizes wrote it; the tests of this collection run one at a time
            var json = System.Text.Json.Nodes.JsonNode.Parse(results)!.AsObject();
            Assert.True(json.Remove("TaskSizes"));
            File.WriteAllText(run.ResultsJson, json.ToJsonString());
            string markdown = RunReport.Build(run).ToMarkdown();
            Assert.Contains("carry no interval", markdown);
            Assert.DoesNotContain("Wilson", markdown);
            Assert.Matches(@"\| MoDE \(code\) \| (\d+\.\d \| )+\d+\.\d \|", markdown);
        }
        finally { File.WriteAllText(run.ResultsJson, results); }
    }
}
