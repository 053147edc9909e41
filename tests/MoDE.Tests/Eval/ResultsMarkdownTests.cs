using MoDE.Eval;
using MoDE.Tests.Report;

namespace MoDE.Tests.Eval;

/// <summary>Task, method and metric names in results.md and tasks.md are escaped, so the table keeps its columns
/// and carries no HTML.</summary>
public class ResultsMarkdownTests
{
    [Fact]
    [Trait("Hostile", "class8")]
    public void TaskAndClassNamesAreEscapedAndTheTableKeepsItsColumns()
    {
        string name = "a|b <script>";
        var results = new Results([name, "plain"],
            [new Results.Method("one " + name, "first & <i>", [0.5, 0.2]) { Metrics = [new() { [name] = 0.5 }, new() { [name] = 0.2 }] }],
            new Dictionary<string, double[]> { [name] = [0.25, 0.75] }, "note <b>") { TaskSizes = [100, 400] };
        string markdown = results.ToMarkdown();
        Assert.DoesNotContain("<script>", markdown);
        Assert.DoesNotContain("<i>", markdown);
        Assert.DoesNotContain("<b>", markdown);

        string[] lines = markdown.Split('\n');
        int header = Array.FindIndex(lines, l => l.StartsWith("| method |"));
        Assert.Equal(["method", "a\\|b &lt;script&gt;", "plain", "average"], ReportDocumentTests.Cells(lines[header]));
        Assert.Equal(4, ReportDocumentTests.Cells(lines[header + 1]).Length);
        Assert.Equal(["one a\\|b &lt;script&gt;", "50.0", "20.0", "**35.0**"], ReportDocumentTests.Cells(lines[header + 2]));
        Assert.Contains("- **one a\\|b &lt;script&gt;**: first &amp; &lt;i&gt;", lines);
        Assert.Contains("All metrics of a\\|b &lt;script&gt;:", lines);
        Assert.Contains("| method | a\\|b &lt;script&gt; |", lines);
        Assert.Contains("- a\\|b &lt;script&gt;: 0.25, 0.75", lines);
        Assert.Contains("note &lt;b&gt;", lines);
    }
}
