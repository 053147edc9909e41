using System.Text.Json;
using MoDE.Embed;
using MoDE.Eval;
using MoDE.Storage;

namespace MoDE.Report;

/// <summary>
/// The report's "Run" section, what a reader needs to redo the run: each finished stage's options as its marker
/// (<c>RUN/&lt;stage&gt;/done.json</c>) recorded them, the caption encoder the captions were embedded with, and
/// the MoDE.NET build and tool versions (<see cref="BuildInfo"/>) of the program writing the report.
/// </summary>
public static class RunProvenance
{
    /// <summary>The stages whose markers record options, in pipeline order: the eval stage and all it requires.</summary>
    public static readonly IReadOnlyList<Stage> Stages = EvalStage.Stage.WithRequired();

    public static void AddTo(ReportDocument document, RunLayout run)
    {
        document.AddHeading("Run");
        document.AddParagraph("Each stage's options as its marker (<stage>/done.json) recorded them when the stage finished; " +
                              "nested options are named with dots. Settings a stage treats as not changing its results (the device, thread and " +
                              "worker counts, the embedding batch size) are left out of its marker and so of this table.");
        document.AddTable(["stage", "options"], Stages.Select(s => (IReadOnlyList<string>)[s.Name, Describe(run, s)]));
        document.AddParagraph("Versions of the program that wrote this report. The markers do not record the build that ran each stage: " +
                              "if the code or a library changed between the stages and this report, these are the report's, not the stages'.");
        document.AddTable(["component", "version"],
        [
            ["MoDE.NET", BuildInfo.Version],
            ["git commit", BuildInfo.Commit],
            ["caption encoder", File.Exists(run.EmbedReport) ? EmbedStage.EncoderOf(run) : "(not embedded yet)"],
            .. BuildInfo.Tools().Select(t => (IReadOnlyList<string>)[t.Tool, t.Version]),
        ]);
    }

    static string Describe(RunLayout run, Stage stage)
    {
        if (!stage.IsDone(run)) return "not finished";
        try
        {
            var options = Options(File.ReadAllText(run.Done(stage.Name)));
            return options.Count == 0 ? "(none)" : string.Join(", ", options.Select(o => $"{o.Name}={o.Value}"));
        }
        catch (JsonException e)
        {
            return $"{run.Done(stage.Name)} is not JSON: {e.Message}";
        }
    }

    /// <summary>A marker's options as name and value, in the marker's order; the names of nested objects' fields
    /// are joined by dots, arrays written as compact JSON.</summary>
    public static IReadOnlyList<(string Name, string Value)> Options(string doneJson)
    {
        using var json = JsonDocument.Parse(doneJson);
        var options = new List<(string, string)>();
        Flatten(json.RootElement, "", options);
        return options;
    }

    static void Flatten(JsonElement element, string name, List<(string, string)> options)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                    Flatten(property.Value, name.Length == 0 ? property.Name : $"{name}.{property.Name}", options);
                break;
            case JsonValueKind.String:
                options.Add((name, element.GetString()!));
                break;
            case JsonValueKind.Array:
                options.Add((name, JsonSerializer.Serialize(element)));
                break;
            default:
                options.Add((name, element.GetRawText()));
                break;
        }
    }
}
