using System.Text.RegularExpressions;
using MoDE.Report;

namespace MoDE.Tests.Report;

/// <summary>User text in report.md (task and class names, cluster words, captions) is escaped: no HTML reaches a
/// renderer and no cell splits or breaks its table row.</summary>
public class ReportDocumentTests
{
    /// <summary>The cells of a Markdown table row: split at each <c>|</c> not escaped by a backslash.</summary>
    internal static string[] Cells(string row) =>
        Regex.Split(row.Trim(), @"(?<=(?:^|[^\\])(?:\\\\)*)\|")[1..^1].Select(c => c.Trim()).ToArray();

    [Fact]
    [Trait("Hostile", "class8")]
    public void UserTextInTablesListsAndCaptionsIsEscaped()
    {
        string name = "a|b <script>";
        var document = new ReportDocument("run & <b>")
            .AddHeading("task " + name)
            .AddParagraph("class " + name)
            .AddTable(["method", name, "average"], [["MoDE", "12.5", "13.0"], [name, "line\nbreak\\", "x"]])
            .AddList([name])
            .AddPlot("plot", "caption ] " + name, [1]);
        string markdown = document.ToMarkdown();
        Assert.DoesNotContain("<script>", markdown);
        Assert.DoesNotContain("<b>", markdown);
        Assert.Contains("# run &amp; &lt;b&gt;\n", markdown);
        Assert.Contains("## task a\\|b &lt;script&gt;\n", markdown);
        Assert.Contains("- a\\|b &lt;script&gt;\n", markdown);
        Assert.Contains("![caption \\] a\\|b &lt;script&gt;](plot.png)", markdown);

        string[] rows = markdown.Split('\n').Where(l => l.StartsWith('|')).ToArray();
        Assert.Equal(4, rows.Length); // header, delimiter, two rows: the newline in a cell did not start a row
        Assert.All(rows, row => Assert.Equal(3, Cells(row).Length));
        Assert.Equal(["method", "a\\|b &lt;script&gt;", "average"], Cells(rows[0]));
        Assert.Equal(["a\\|b &lt;script&gt;", "line<br>break\\\\", "x"], Cells(rows[3]));
    }
}
