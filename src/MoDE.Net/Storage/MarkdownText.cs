using System.Text;

namespace MoDE.Storage;

/// <summary>
/// Text from the run's data (task names, class names, cluster words, captions) made safe to place in a Markdown
/// file, in a table cell or in running text alike: <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> become HTML entities,
/// so no tag reaches a renderer; <c>|</c> (the cell delimiter), <c>\</c> (which would escape it), and <c>[</c>,
/// <c>]</c> (link and image brackets) are backslash-escaped; every line break becomes <c>&lt;br&gt;</c>, so a cell
/// stays on its row and a list item on its line. Rendered, the text reads as it was given.
/// </summary>
public static class MarkdownText
{
    public static string Escape(string text)
    {
        var s = new StringBuilder(text.Length + 8);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '&': s.Append("&amp;"); break;
                case '<': s.Append("&lt;"); break;
                case '>': s.Append("&gt;"); break;
                case '|' or '\\' or '[' or ']': s.Append('\\').Append(c); break;
                case '\r':
                    if (i + 1 < text.Length && text[i + 1] == '\n') i++;
                    s.Append("<br>");
                    break;
                case '\n': s.Append("<br>"); break;
                default: s.Append(c); break;
            }
        }
        return s.ToString();
    }
}
