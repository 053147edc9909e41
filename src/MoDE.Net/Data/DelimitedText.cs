using System.Text;

namespace MoDE.Data;

/// <summary>
/// Records of a CSV (RFC 4180) or TSV file with the line and column where each starts, so that a malformed file
/// is reported as <c>FILE:LINE:COLUMN: what</c>. CSV: a field may be quoted ("" is a quote inside it, and commas
/// and line breaks are plain text inside it); a quote inside an unquoted field, text after a closing quote, or a
/// quote never closed are errors. TSV: a field that starts with a quote is quoted the same way; quotes elsewhere
/// are plain characters (captions hold them). A line may end in CRLF or LF. Every record must have as many fields
/// as the first (the header). Empty lines are skipped. Lines and columns count from 1; columns count characters.
/// Every user file in these formats is read here: the ingest stage's CSV and TSV manifests and the evaluation
/// task folders' labels.csv and pairs.csv. A record longer than <c>maxRecordChars</c> characters, or with more fields
/// than the header, is an error as soon as it is seen, so one record never holds more memory than that.
/// </summary>
public sealed class DelimitedText(TextReader reader, char delimiter, string path, long maxRecordChars = long.MaxValue)
{
    public string Path { get; } = path;
    public char Delimiter { get; } = delimiter;
    public long MaxRecordChars { get; } = maxRecordChars;

    /// <summary>
    /// The records of the file at <paramref name="path"/> (see <see cref="Records"/>), read as UTF-8 (a byte-order
    /// mark is skipped; bytes that are not UTF-8 become U+FFFD) as the file is enumerated.
    /// </summary>
    public static IEnumerable<(int Line, List<string> Fields)> ReadFile(string path, char delimiter)
    {
        foreach (var record in Read(File.OpenRead(path), path, delimiter)) yield return record;
    }

    /// <summary>
    /// One record as a line that <see cref="Records"/> reads back as the same fields: a field holding the delimiter or a
    /// line break (or, in CSV, a quote; in TSV, a leading quote) is quoted, its quotes doubled.
    /// </summary>
    public static string Line(IEnumerable<string> fields, char delimiter) => string.Join(delimiter, fields.Select(field =>
        field.Contains(delimiter) || field.Contains('\n') || field.Contains('\r') || (delimiter == '\t' ? field.StartsWith('"') : field.Contains('"'))
            ? $"\"{field.Replace("\"", "\"\"")}\""
            : field));

    /// <summary>As <see cref="ReadFile"/>, from an open <paramref name="stream"/> (disposed when enumerated to the end) of the file at <paramref name="path"/>.</summary>
    public static IEnumerable<(int Line, List<string> Fields)> Read(Stream stream, string path, char delimiter, long maxRecordChars = long.MaxValue)
    {
        using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: false), detectEncodingFromByteOrderMarks: true);
        foreach (var record in new DelimitedText(reader, delimiter, path, maxRecordChars).Records()) yield return record;
    }

    int _line = 1, _column = 0, _maxFields = int.MaxValue;
    long _recordChars;

    int Read()
    {
        int c = reader.Read();
        if (c == '\n') { _line++; _column = 0; }
        else if (c >= 0) _column++;
        if (++_recordChars > MaxRecordChars) throw Error(_line, _column, $"record longer than {MaxRecordChars} characters");
        return c;
    }

    InvalidDataException Error(int line, int column, string message) => new($"{Path}:{line}:{column}: {message}");

    /// <summary>The records in order; the first is the header. <c>Line</c> is where the record starts.</summary>
    public IEnumerable<(int Line, List<string> Fields)> Records()
    {
        int expected = -1;
        while (true)
        {
            int start = _line;
            var fields = ReadRecord(out bool end);
            if (fields is null) yield break;
            if (fields.Count == 1 && fields[0].Length == 0) { if (end) yield break; continue; }
            if (expected < 0) _maxFields = expected = fields.Count;
            else if (fields.Count != expected)
                throw Error(start, 1, $"record has {(fields.Count > expected ? "more than " + expected : fields.Count)} fields, the header has {expected} (delimiter '{(Delimiter == '\t' ? "\\t" : Delimiter.ToString())}')");
            yield return (start, fields);
            if (end) yield break;
        }
    }

    /// <summary>One record, or null at the end of the file; <paramref name="end"/> is set when the file ends with it.</summary>
    List<string>? ReadRecord(out bool end)
    {
        end = false;
        _recordChars = 0;
        var fields = new List<string>();
        var field = new StringBuilder();
        int c = Read();
        if (c < 0) return null;
        while (true)
        {
            // at the first character of a field
            if (c == '"')
            {
                int quoteLine = _line, quoteColumn = _column;
                while (true)
                {
                    c = Read();
                    if (c < 0) throw Error(quoteLine, quoteColumn, "quoted field is never closed");
                    if (c == '"')
                    {
                        c = Read();
                        if (c == '"') { field.Append('"'); continue; }
                        break;
                    }
                    field.Append((char)c);
                }
                if (c == '\r' && reader.Peek() == '\n') c = Read();
                if (c >= 0 && c != Delimiter && c != '\n')
                    throw Error(_line, _column, $"'{(char)c}' after the closing quote of a field (expected the delimiter or the end of the line)");
            }
            else
            {
                while (c >= 0 && c != Delimiter && c != '\n')
                {
                    if (c == '"' && Delimiter != '\t') throw Error(_line, _column, "quote inside an unquoted field (quote the whole field and double the quote)");
                    if (c == '\r' && reader.Peek() == '\n') { c = Read(); break; }
                    field.Append((char)c);
                    c = Read();
                }
            }
            fields.Add(field.ToString());
            field.Clear();
            if (fields.Count > _maxFields) return fields; // more fields than the header: Records stops with the error now
            if (c == Delimiter) { c = Read(); if (c < 0 || c == '\n') { fields.Add(""); end = c < 0; return fields; } continue; }
            end = c < 0 || reader.Peek() < 0;
            return fields;
        }
    }
}
