using System.Text.Json;
using System.Text.Json.Nodes;

namespace MoDE.Storage;

/// <summary>
/// Records that a stage finished, with the options it ran with, so a rerun skips it. A run directory whose
/// stage was made with other options is not silently mixed with new work: that is an error.
/// </summary>
public static class StageMarker
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>True when <paramref name="stage"/> already finished with these options.</summary>
    public static bool IsDone<T>(RunLayout run, string stage, T options)
    {
        string path = run.Done(stage);
        if (!File.Exists(path)) return false;
        string recorded = File.ReadAllText(path).Trim();
        string wanted = JsonSerializer.Serialize(options, Json).Trim();
        if (recorded != wanted)
            throw new InvalidOperationException(
                $"{path}: stage '{stage}' of this run was made with other options ({Differences(recorded, wanted)}); " +
                $"use a new run directory, or delete {Path.GetDirectoryName(path)} and the stages after it to redo it");
        return true;
    }

    /// <summary>Throws, naming the missing stage, unless every stage in <paramref name="before"/> has finished.</summary>
    public static void Require(RunLayout run, string stage, params string[] before)
    {
        foreach (string needed in before)
            if (!File.Exists(run.Done(needed)))
                throw new InvalidOperationException(
                    $"{run.Root}: stage '{stage}' needs stage '{needed}' first ({run.Done(needed)} is missing); run `{ModeCommand.Invocation} {needed} --run {ModeCommand.Quote(run.Root)}`, or `{ModeCommand.Invocation} run`");
    }

    /// <summary>The fields whose values differ, as "Name: recorded -> wanted", or both documents when they are not objects.</summary>
    static string Differences(string recorded, string wanted)
    {
        JsonNode? Parse(string json) { try { return JsonNode.Parse(json); } catch (JsonException) { return null; } }
        if (Parse(recorded) is not JsonObject before || Parse(wanted) is not JsonObject after)
            return $"recorded {recorded.ReplaceLineEndings(" ")}, asked for {wanted.ReplaceLineEndings(" ")}";
        var names = before.Select(p => p.Key).Union(after.Select(p => p.Key));
        return string.Join(", ", names
            .Where(n => !JsonNode.DeepEquals(before[n], after[n]))
            .Select(n => $"{n}: {before[n]?.ToJsonString() ?? "absent"} -> {after[n]?.ToJsonString() ?? "absent"}"));
    }

    public static void MarkDone<T>(RunLayout run, string stage, T options) =>
        AtomicFile.WriteAllText(run.Done(stage), JsonSerializer.Serialize(options, Json) + "\n");
}
