using System.CommandLine;
using System.Text.Json;
using MoDE.Cli.Flags;
using MoDE.Cluster;
using MoDE.Embed;
using MoDE.Slurm;
using MoDE.Storage;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode embed</c>: every caption through the caption encoder, here or as a Slurm job array.</summary>
public static class EmbedVerb
{
    public static Command Create(CancellationToken stop)
    {
        var launcher = Launcher.Create();
        var embedOptions = new Option<string?>("--embed-options") { Description = "JSON file with every embed option (the Slurm launcher writes RUN/slurm/embed.json)" };
        var clusterOptions = new Option<string?>("--cluster-options") { Description = "With --launcher slurm: JSON file with every option of the cluster job that follows" };
        var chunks = new Option<string?>("--chunks") { Description = "Embed only the chunks c with c mod N = i, written i/N (one task of a Slurm job array); a run without it concatenates" };
        var array = new Option<int>("--array") { Description = "With --launcher slurm: tasks of the embed job array", DefaultValueFactory = _ => 4 };
        var command = new Command("embed",
            "Embed every caption with the caption encoder (ONNX Runtime); with --launcher slurm, a job array over chunks, then concatenate and cluster")
        {
            RunFlags.Run, RunFlags.Threads, embedOptions, chunks, launcher, array, RunFlags.Seed, clusterOptions,
        };
        StageFlags.Embed.AddTo(command);
        StageFlags.EmbedMachine.AddTo(command);
        StageFlags.Cluster.AddTo(command);
        StageFlags.Slurm.AddTo(command);
        RunFlags.ExcludeWith(command, embedOptions, StageFlags.Embed.Flags.Select(f => f.Option));
        RunFlags.ExcludeWith(command, clusterOptions, [.. StageFlags.Cluster.Flags.Select(f => f.Option), RunFlags.Seed]);
        RunFlags.OnlyWhen(command, r => Launcher.UsesSlurm(r, launcher), "with --launcher slurm",
            [array, clusterOptions, RunFlags.Seed, .. StageFlags.Cluster.Flags.Select(f => f.Option), .. StageFlags.Slurm.Flags.Select(f => f.Option)]);
        RunFlags.OnlyWhen(command, r => !Launcher.UsesSlurm(r, launcher), "with --launcher local (each Slurm task passes it)", [chunks]);
        return command.WithAction((p, output) =>
        {
            var run = new RunLayout(p.GetValue(RunFlags.Run)!);
            Verb.RequireRun(run);
            var o = RunFlags.Options(p);
            var embed = p.GetValue(embedOptions) is string file ? Read<EmbedOptions>(file) with { Threads = o.Embed.Threads, Device = o.Embed.Device } : o.Embed;
            if (p.GetValue(launcher) == Launcher.Slurm)
            {
                var cluster = p.GetValue(clusterOptions) is string clusterFile ? Read<ClusterOptions>(clusterFile) : o.Cluster;
                cluster.Validate();
                SlurmEmbedLauncher.Submit(run, embed, cluster, o.Slurm, p.GetValue(array), output);
                output.WriteLine($"See progress with `{ModeCommand.Invocation} status --run {ModeCommand.Quote(run.Root)}`");
            }
            else EmbedStage.Run(run, embed, output, stop, shard: p.GetValue(chunks) is string c ? EmbedShard.Parse(c) : null);
        }, [.. RunFlags.Names, new FlagName("tasks", array.Name)]);
    }

    /// <summary>An options record from a JSON file the launcher wrote; one line naming the file when it is not one.</summary>
    public static T Read<T>(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}: no {typeof(T).Name}");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a {typeof(T).Name} file: {e.Message}", e);
        }
    }
}
