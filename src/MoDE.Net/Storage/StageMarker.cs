using System.Text.Json;
using System.Text.Json.Nodes;

namespace MoDE.Storage;

/// <summary>
/// Records that a stage finished, with the options it ran with, so a rerun skips it; and, for a stage whose
/// unfinished work a rerun resumes (checkpoints, chunks), that it started, with the options of that work. A run
/// directory whose stage was made, or begun, with other options is not silently mixed with new work: that is an error.
/// </summary>
public static class StageMarker
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>True when <paramref name="stage"/> already finished with these options.</summary>
    public static bool IsDone<T>(RunLayout run, string stage, T options)
    {
        string path = run.Done(stage);
        if (!File.Exists(path)) return false;
        RequireSame(path, stage, options, "was made with other options",
            "use a new run directory, or delete {0} and the stages after it to redo it");
        return true;
    }

    /// <summary>
    /// Throws, naming the fields that differ, when <paramref name="stage"/> has unfinished work begun with options other
    /// than <paramref name="options"/>: resuming it would mix the two (experts trained with one batch size, the baseline
    /// with another).
    /// </summary>
    public static void RequireStartedWith<T>(RunLayout run, string stage, T options)
    {
        string path = run.Started(stage);
        if (File.Exists(path))
            RequireSame(path, stage, options, "was started with other options and its unfinished work would be mixed with theirs",
                "run it again with those options to resume, or delete {0} and the stages after it to start it over");
    }

    /// <summary>
    /// Records the options of the unfinished work <paramref name="stage"/> is about to write. Created once: of several
    /// processes starting it together (Slurm tasks), one writes the marker and every other must match it.
    /// </summary>
    public static void MarkStarted<T>(RunLayout run, string stage, T options)
    {
        if (!AtomicFile.WriteAllText(run.Started(stage), JsonSerializer.Serialize(options, Json) + "\n", overwrite: false))
            RequireStartedWith(run, stage, options);
    }

    /// <summary>Throws, naming the missing stage, unless every stage in <paramref name="before"/> has finished.</summary>
    public static void Require(RunLayout run, string stage, params string[] before)
    {
        foreach (string needed in before)
            if (!File.Exists(run.Done(needed)))
                throw new InvalidOperationException(
                    $"{run.Root}: stage '{stage}' needs stage '{needed}' first ({run.Done(needed)} is missing); run `{ModeCommand.Invocation} {needed} --run {ModeCommand.Quote(run.Root)}`, or `{ModeCommand.Invocation} run`");
    }

    public static void MarkDone<T>(RunLayout run, string stage, T options)
    {
        AtomicFile.WriteAllText(run.Done(stage), JsonSerializer.Serialize(options, Json) + "\n");
        File.Delete(run.Started(stage)); // its work is finished: nothing unfinished is left to mix
    }

    /// <summary>Throws "PATH: stage 'S' of this run WHAT (differences); ADVICE" unless the marker at <paramref name="path"/> holds <paramref name="options"/>.</summary>
    static void RequireSame<T>(string path, string stage, T options, string what, string advice)
    {
        string recorded = File.ReadAllText(path).Trim();
        string wanted = JsonSerializer.Serialize(options, Json).Trim();
        if (recorded != wanted)
            throw new InvalidOperationException(
                $"{path}: stage '{stage}' of this run {what} ({Differences(recorded, wanted)}); {string.Format(advice, Path.GetDirectoryName(path))}");
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
}
