using System.Text.Json;
using MoDE.Storage;

namespace MoDE.Slurm;

/// <summary>
/// The jobs the launcher submitted for one run: which model (or chunk group) each Slurm job id trains, kept
/// in <c>RUN/slurm/jobs.json</c> so <c>mode status</c> can ask Slurm about them later.
/// </summary>
public sealed record SlurmJobs
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Unit of work (e.g. <c>seed</c>, <c>expert_1</c>, <c>train</c>) to its Slurm id: a job id, or <c>ARRAY_TASK</c> for an array task.</summary>
    public Dictionary<string, string> Jobs { get; init; } = [];

    /// <summary>Unit of work to its log file.</summary>
    public Dictionary<string, string> Logs { get; init; } = [];

    public static string PathIn(RunLayout run) => Path.Combine(run.Root, "slurm", "jobs.json");

    public static SlurmJobs Load(RunLayout run) =>
        File.Exists(PathIn(run)) ? JsonFile.Read<SlurmJobs>(PathIn(run)) : new();

    public void Save(RunLayout run) => AtomicFile.WriteAllText(PathIn(run), JsonSerializer.Serialize(this, Json) + "\n");
}
