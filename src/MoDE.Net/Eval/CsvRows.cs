using System.Text;

namespace MoDE.Eval;

/// <summary>
/// Rows of a comma-separated file (RFC 4180: fields in double quotes may hold commas, line breaks and doubled
/// quotes). Blank lines are skipped.
/// </summary>
public static class CsvRows
{
    public static List<string[]> Read(string path)
    {
        var rows = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        string text = File.ReadAllText(path);
        bool quoted = false, fieldStarted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (quoted)
            {
                if (ch != '"') field.Append(ch);
                else if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = false;
                continue;
            }
            switch (ch)
            {
                case '"' when field.Length == 0:
                    quoted = fieldStarted = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStarted = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    EndRow();
                    break;
                default:
                    field.Append(ch);
                    fieldStarted = true;
                    break;
            }
        }
        if (quoted) throw new InvalidDataException($"{path}: a quoted field is not closed");
        EndRow();
        return rows;

        void EndRow()
        {
            if (fieldStarted || fields.Count > 0)
            {
                fields.Add(field.ToString());
                rows.Add([.. fields]);
            }
            fields.Clear();
            field.Clear();
            fieldStarted = false;
        }
    }
}
