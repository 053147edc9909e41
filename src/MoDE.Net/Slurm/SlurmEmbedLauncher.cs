using System.Text.Json;
using MoDE.Cluster;
using MoDE.Embed;
using MoDE.Storage;

namespace MoDE.Slurm;

/// <summary>
/// The embed stage on Slurm, then the cluster fit: a job array of <c>tasks</c> tasks, task i computing the chunks
/// c with c mod tasks = i (<c>mode embed --chunks i/tasks</c>, each chunk written atomically, chunks already there
/// skipped); then one job, <c>afterok</c> the array, that concatenates (<c>mode embed</c>); then one job,
/// <c>afterok</c> that, for the fine and coarse k-means (<c>mode cluster</c>). Options travel in
/// <c>RUN/slurm/embed.json</c> and <c>RUN/slurm/cluster.json</c>, so results equal the local launcher's.
/// </summary>
public static class SlurmEmbedLauncher
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static SlurmJobs Submit(RunLayout run, EmbedOptions embed, ClusterOptions cluster, SlurmOptions slurm, int tasks, TextWriter log)
    {
        embed.Validate();
        SbatchScript.Check(run.Root, slurm);
        ArgumentOutOfRangeException.ThrowIfLessThan(tasks, 1, nameof(tasks));
        EmbedStage.Stage.Require(run);
        EmbedStage.Stage.IsDoneWith(run, embed); // options other than those of chunks already there: refused before submitting

        string folder = Path.Combine(run.Root, "slurm");
        string logs = Path.Combine(folder, "logs");
        Directory.CreateDirectory(logs);
        string embedFile = Path.Combine(folder, "embed.json"), clusterFile = Path.Combine(folder, "cluster.json");
        AtomicFile.WriteAllText(embedFile, JsonSerializer.Serialize(embed, Json) + "\n");
        AtomicFile.WriteAllText(clusterFile, JsonSerializer.Serialize(cluster, Json) + "\n");
        string mode = slurm.Mode.Length > 0 ? slurm.Mode : ModeCommand.Invocation;
        string threads = embed.Threads > 0 ? embed.Threads.ToString() : "\"${SLURM_CPUS_PER_TASK:-1}\"";
        string common = $"--run {ModeCommand.Quote(run.Root)} --embed-options {ModeCommand.Quote(embedFile)} --threads {threads}";

        var jobs = SlurmJobs.Load(run);
        string Write(string name, SbatchScript script, params string[] flags) => script.Submit(folder, name, slurm, run.Root, log, flags);

        string array = Write("embed-chunks", new SbatchScript
        {
            JobName = "mode-embed", Purpose = $"MoDE embed: task i embeds the chunks c with c mod {tasks} = i.",
            Log = Path.Combine(logs, "embed-chunks_%A_%a.out"), Array = $"0-{tasks - 1}",
            Command = $"{mode} embed {common} --chunks \"${{SLURM_ARRAY_TASK_ID}}/{tasks}\"",
        });
        for (int i = 0; i < tasks; i++)
        {
            jobs.Jobs[$"embed {i}/{tasks}"] = $"{array}_{i}";
            jobs.Logs[$"embed {i}/{tasks}"] = Path.Combine(logs, $"embed-chunks_{array}_{i}.out");
        }
        string concatenate = Write("embed-concatenate", new SbatchScript
        {
            JobName = "mode-embed-cat", Purpose = "MoDE embed: every chunk is there; concatenate into embed/captions.npy and finish the stage.",
            Log = Path.Combine(logs, "embed-concatenate_%j.out"), Command = $"{mode} embed {common}",
        }, $"--dependency=afterok:{array}");
        jobs.Jobs[EmbedStage.Stage.Name] = concatenate;
        jobs.Logs[EmbedStage.Stage.Name] = Path.Combine(logs, $"embed-concatenate_{concatenate}.out");
        string fit = Write("cluster", new SbatchScript
        {
            JobName = "mode-cluster", Purpose = "MoDE cluster: fine and coarse k-means once the embeddings exist, every pair assigned.",
            Log = Path.Combine(logs, "cluster_%j.out"),
            Command = $"{mode} cluster --run {ModeCommand.Quote(run.Root)} --cluster-options {ModeCommand.Quote(clusterFile)}",
        }, $"--dependency=afterok:{concatenate}");
        jobs.Jobs[ClusterStage.Stage.Name] = fit;
        jobs.Logs[ClusterStage.Stage.Name] = Path.Combine(logs, $"cluster_{fit}.out");
        jobs.Save(run);
        return jobs;
    }
}
