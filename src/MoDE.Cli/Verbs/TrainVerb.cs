using System.CommandLine;
using MoDE.Cli.Flags;
using MoDE.Slurm;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Train;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode train</c>: the seed, every data expert and the baselines, here or as Slurm jobs.</summary>
public static class TrainVerb
{
    static readonly Flag<OpenClipLaunchOptions, string> Shards = new("--shards", "With --launcher open_clip: the folder `mode shards` wrote (all/, expert_i/ with their manifests)",
        nameof(OpenClipLaunchOptions.Shards), o => o.Shards, (o, v) => o with { Shards = v });
    static readonly Flag<OpenClipLaunchOptions, int> Epochs = new("--open-clip-epochs", "With --launcher open_clip: open_clip epochs of the whole schedule (the seed trains its share of them)",
        nameof(OpenClipLaunchOptions.Epochs), o => o.Epochs, (o, v) => o with { Epochs = v });
    static readonly Flag<OpenClipLaunchOptions, int> Tasks = new("--open-clip-tasks", "With --launcher open_clip: processes (one per GPU) srun starts for each model; the batch is split among them",
        nameof(OpenClipLaunchOptions.Tasks), o => o.Tasks, (o, v) => o with { Tasks = v });
    static readonly Flag<OpenClipLaunchOptions, string> Precision = new("--precision", "With --launcher open_clip: open_clip's --precision (amp, bf16, fp32, ...)",
        nameof(OpenClipLaunchOptions.Precision), o => o.Precision, (o, v) => o with { Precision = v });
    static readonly Flag<OpenClipLaunchOptions, string> Python = new("--python", "With --launcher open_clip: the Python with open_clip_train on the compute nodes",
        nameof(OpenClipLaunchOptions.Python), o => o.Python, (o, v) => o with { Python = v });
    static readonly Flag<OpenClipLaunchOptions, bool> Submit = new("--submit", "With --launcher open_clip: submit the sbatch files (else they are only written)",
        nameof(OpenClipLaunchOptions.Submit), o => o.Submit, (o, v) => o with { Submit = v });
    static readonly FlagSet<OpenClipLaunchOptions> OpenClip = new(Shards, Epochs, Tasks, Precision, Python, Submit);

    public static Command Create(CancellationToken stop)
    {
        var launcher = Launcher.Create(openClip: true);
        var only = new Option<string?>("--only") { Description = "Train only this model: seed, expert_i, single or baseline (what one Slurm task runs)" };
        var expert = new Option<int?>("--expert") { Description = "Train only data expert i from the seed's saved state (same as --only expert_i)" };
        var trainOptions = new Option<string?>("--train-options") { Description = "JSON file with every training option (the launcher writes RUN/slurm/train.json)" };
        var command = new Command("train", "Train the seed model, every data expert from the seed, the single model and the equal-compute baseline")
        {
            RunFlags.Run, RunFlags.Seed, RunFlags.Threads, launcher, only, expert, trainOptions,
        };
        RunFlags.AddTrain(command);
        StageFlags.TrainMachine.AddTo(command);
        StageFlags.Slurm.AddTo(command);
        OpenClip.AddTo(command);
        RunFlags.ExcludeWith(command, trainOptions, [.. StageFlags.Train.Flags.Select(f => f.Option), RunFlags.Seed]);
        RunFlags.OnlyWhen(command, r => Launcher.UsesSlurm(r, launcher), "with --launcher slurm or open_clip", StageFlags.Slurm.Flags.Select(f => f.Option));
        RunFlags.OnlyWhen(command, r => !Launcher.UsesSlurm(r, launcher), "with --launcher local: --launcher slurm submits every model", [only, expert]);
        RunFlags.OnlyWhen(command, r => r.GetValue(launcher) == Launcher.OpenClip, "with --launcher open_clip", OpenClip.Flags.Select(f => f.Option));
        command.Validators.Add(r =>
        {
            if (r.GetResult(only) is { Implicit: false } && r.GetResult(expert) is { Implicit: false }) r.AddError("--only and --expert name the same thing: give one");
        });
        return command.WithAction((p, output) =>
        {
            var run = new RunLayout(p.GetValue(RunFlags.Run)!);
            Verb.RequireRun(run);
            var o = RunFlags.Options(p);
            var options = p.GetValue(trainOptions) is string file
                ? StageFlags.TrainMachine.Apply(p, EmbedVerb.Read<TrainOptions>(file) with { Threads = o.Train.Threads })
                : o.Train;
            options.Validate();
            string? model = p.GetValue(expert) is int i ? RunModels.Expert(i) : p.GetValue(only);
            if (p.GetValue(launcher) == Launcher.OpenClip)
                OpenClipTrainLauncher.Write(run, options, o.Slurm, OpenClip.Apply(p, new OpenClipLaunchOptions()), output);
            else if (p.GetValue(launcher) == Launcher.Slurm)
            {
                SlurmTrainLauncher.Submit(run, options, o.Slurm, output);
                output.WriteLine($"See progress with `{ModeCommand.Invocation} status --run {ModeCommand.Quote(run.Root)}`");
            }
            else TrainStage.Run(run, options, output, stop, model);
        }, [OpenClip, .. RunFlags.Names, new FlagName("only", only.Name)]);
    }
}
