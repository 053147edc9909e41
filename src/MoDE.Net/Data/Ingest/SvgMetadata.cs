using System.Xml;

namespace MoDE.Data.Ingest;

/// <summary>
/// The Dublin Core metadata of one SVG, as Inkscape and OpenClipart write it in the RDF <c>cc:Work</c> block:
/// the work's <c>dc:title</c> (not the later titles inside <c>cc:Agent</c>, which name the creator,
/// publisher and rights holder), <c>dc:description</c>, the <c>dc:subject</c> keywords, and the creator's name.
/// Prefixes are matched as written (dc:, cc:, rdf:), since many files use them without declaring the namespaces.
/// </summary>
public sealed record SvgMetadata(string Title, string Description, IReadOnlyList<string> Keywords, string Creator)
{
    public static readonly SvgMetadata Empty = new("", "", [], "");

    /// <summary>The metadata of the file, or <see cref="Empty"/> when it has none or is not well-formed XML up to it.</summary>
    public static SvgMetadata Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new XmlTextReader(stream) { Namespaces = false, DtdProcessing = DtdProcessing.Ignore, XmlResolver = null };
            return Read(reader);
        }
        catch (XmlException) { return Empty; }
    }

    static SvgMetadata Read(XmlReader reader)
    {
        string title = "", description = "", creator = "";
        var keywords = new List<string>();
        bool inWork = false, inSubject = false, inCreator = false;
        int agentDepth = 0;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                string name = reader.Name;
                if (name == "cc:Work") { inWork = true; continue; }
                if (!inWork || reader.IsEmptyElement) continue;
                switch (name)
                {
                    case "cc:Agent": agentDepth++; break;
                    case "dc:creator": inCreator = true; break;
                    case "dc:subject": inSubject = true; break;
                    case "dc:title" when agentDepth == 0 && title.Length == 0: title = Text(reader); break;
                    case "dc:title" when agentDepth > 0 && inCreator && creator.Length == 0: creator = Text(reader); break;
                    case "dc:description" when agentDepth == 0 && description.Length == 0: description = Text(reader); break;
                    case "rdf:li" when inSubject: if (Text(reader) is { Length: > 0 } keyword) keywords.Add(keyword); break;
                }
            }
            else if (reader.NodeType == XmlNodeType.EndElement)
            {
                switch (reader.Name)
                {
                    case "cc:Work": return new SvgMetadata(title, description, keywords, creator); // the rest of the file is drawing
                    case "cc:Agent": agentDepth = Math.Max(0, agentDepth - 1); break;
                    case "dc:creator": inCreator = false; break;
                    case "dc:subject": inSubject = false; break;
                }
            }
        }
        return new SvgMetadata(title, description, keywords, creator);
    }

    /// <summary>All text inside the element (also inside an rdf:Alt), white space collapsed; the reader is left on its end tag.</summary>
    static string Text(XmlReader reader)
    {
        var text = new System.Text.StringBuilder();
        using (var inner = reader.ReadSubtree())
            while (inner.Read())
                if (inner.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace)
                    text.Append(inner.Value).Append(' ');
        return SourceCaption.Normalize(text.ToString());
    }
}
