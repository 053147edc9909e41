using System.Net;
using System.Text;
using MoDE.Storage;

namespace MoDE.Report;

/// <summary>
/// A report as a list of blocks (headings, paragraphs, tables, plots), written both as Markdown, with plots
/// as PNG files beside it, and as one self-contained HTML page, with plots embedded as base64 data.
/// </summary>
public sealed class ReportDocument(string title)
{
    abstract record Block;
    sealed record Heading(string Text) : Block;
    sealed record Paragraph(string Text) : Block;
    sealed record Preformatted(string Text) : Block;
    sealed record Table(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows) : Block
    {
        /// <summary>Columns whose every cell is a number, a number with a "±" half-width (or empty, "-") are
        /// right-aligned; others left-aligned.</summary>
        public bool[] Numeric { get; } = Header.Select((name, c) => c > 0 && Rows.All(r => c >= r.Count || r[c] is "" or "-" ||
            r[c].Split(" ±") is [var value, .. var error] && error.Length <= 1 && IsNumber(value) && error.All(IsNumber))).ToArray();

        static bool IsNumber(string text) =>
            double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);
    }
    sealed record Items(IReadOnlyList<string> Lines) : Block;
    sealed record Plot(string Name, string Caption, byte[] Png) : Block;

    readonly List<Block> _blocks = [];

    public string Title { get; } = title;

    public ReportDocument AddHeading(string text) { _blocks.Add(new Heading(text)); return this; }
    public ReportDocument AddParagraph(string text) { _blocks.Add(new Paragraph(text)); return this; }
    public ReportDocument AddPreformatted(string text) { _blocks.Add(new Preformatted(text)); return this; }

    /// <summary>A bulleted list.</summary>
    public ReportDocument AddList(IEnumerable<string> items) { _blocks.Add(new Items(items.ToList())); return this; }

    /// <summary>A table; columns of numbers are right-aligned.</summary>
    public ReportDocument AddTable(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows) { _blocks.Add(new Table(header, rows.ToList())); return this; }

    /// <param name="name">File name stem of the PNG beside the Markdown.</param>
    public ReportDocument AddPlot(string name, string caption, byte[] png) { _blocks.Add(new Plot(name, caption, png)); return this; }

    /// <summary>Every plot's name and PNG bytes, in order.</summary>
    public IEnumerable<(string Name, byte[] Png)> Plots => _blocks.OfType<Plot>().Select(p => (p.Name, p.Png));

    /// <summary>Markdown; each plot links <c>{name}.png</c> in the same folder. All text is escaped
    /// (<see cref="MarkdownText.Escape"/>), so it reads as given and cannot break a table or inject HTML.</summary>
    public string ToMarkdown()
    {
        static string E(string s) => MarkdownText.Escape(s);
        var text = new StringBuilder($"# {E(Title)}\n\n");
        foreach (var block in _blocks)
        {
            switch (block)
            {
                case Heading h: text.Append($"## {E(h.Text)}\n\n"); break;
                case Paragraph p: text.Append(E(p.Text)).Append("\n\n"); break;
                case Preformatted p:
                    string fence = Fence(p.Text);
                    text.Append(fence).Append('\n').Append(p.Text.TrimEnd()).Append('\n').Append(fence).Append("\n\n");
                    break;
                case Table t:
                    text.Append("| ").Append(string.Join(" | ", t.Header.Select(E))).Append(" |\n");
                    text.Append('|').Append(string.Concat(t.Numeric.Select(n => n ? "---:|" : "---|"))).Append('\n');
                    foreach (var row in t.Rows) text.Append("| ").Append(string.Join(" | ", row.Select(E))).Append(" |\n");
                    text.Append('\n');
                    break;
                case Items l: foreach (string line in l.Lines) text.Append($"- {E(line)}\n"); text.Append('\n'); break;
                case Plot p: text.Append($"![{E(p.Caption)}]({p.Name}.png)\n\n*{E(p.Caption)}*\n\n"); break;
            }
        }
        return text.ToString();
    }

    /// <summary>A code fence longer than any run of backticks in <paramref name="text"/>, so the text cannot close it.</summary>
    static string Fence(string text)
    {
        int longest = 0, run = 0;
        foreach (char c in text) longest = Math.Max(longest, run = c == '`' ? run + 1 : 0);
        return new string('`', Math.Max(3, longest + 1));
    }

    /// <summary>One HTML page with no outside references: styles inline, plots as data URIs.</summary>
    public string ToHtml()
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append($"<title>{E(Title)}</title>\n<style>\n");
        html.Append("body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\n");
        html.Append("table{border-collapse:collapse;margin:1em 0;font-size:0.9em}th,td{border:1px solid #ccc;padding:0.25em 0.6em}");
        html.Append("td{text-align:right}td:first-child,th:first-child,td.text{text-align:left}th{background:#f0f0f0}tr:nth-child(even){background:#fafafa}\n");
        html.Append("figure{margin:1.5em 0}img{max-width:100%;border:1px solid #eee}figcaption{color:#555;font-size:0.9em}pre{background:#f6f6f6;padding:0.8em;overflow-x:auto}\n");
        html.Append("</style>\n</head>\n<body>\n");
        html.Append($"<h1>{E(Title)}</h1>\n");
        foreach (var block in _blocks)
        {
            switch (block)
            {
                case Heading h: html.Append($"<h2>{E(h.Text)}</h2>\n"); break;
                case Paragraph p: html.Append($"<p>{E(p.Text)}</p>\n"); break;
                case Preformatted p: html.Append($"<pre>{E(p.Text.TrimEnd())}</pre>\n"); break;
                case Table t:
                    html.Append("<table>\n<tr>").Append(string.Concat(t.Header.Select(c => $"<th>{E(c)}</th>"))).Append("</tr>\n");
                    foreach (var row in t.Rows)
                        html.Append("<tr>").Append(string.Concat(row.Select((c, i) => i < t.Numeric.Length && !t.Numeric[i] ? $"<td class=\"text\">{E(c)}</td>" : $"<td>{E(c)}</td>"))).Append("</tr>\n");
                    html.Append("</table>\n");
                    break;
                case Items l: html.Append("<ul>\n").Append(string.Concat(l.Lines.Select(x => $"<li>{E(x)}</li>\n"))).Append("</ul>\n"); break;
                case Plot p:
                    html.Append($"<figure><img alt=\"{E(p.Caption)}\" src=\"data:image/png;base64,{Convert.ToBase64String(p.Png)}\">");
                    html.Append($"<figcaption>{E(p.Caption)}</figcaption></figure>\n");
                    break;
            }
        }
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }
}
