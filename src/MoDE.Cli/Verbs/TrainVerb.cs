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
    public static Command Create(CancellationToken stop)
    {
        var launcher = Launcher.Create();
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
        RunFlags.ExcludeWith(command, trainOptions, [.. StageFlags.Train.Flags.Select(f => f.Option), RunFlags.Seed]);
        RunFlags.OnlyWhen(command, r => Launcher.IsSlurm(r, launcher), "with --launcher slurm", StageFlags.Slurm.Flags.Select(f => f.Option));
        RunFlags.OnlyWhen(command, r => !Launcher.IsSlurm(r, launcher), "with --launcher local: --launcher slurm submits every model", [only, expert]);
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
            if (p.GetValue(launcher) == Launcher.Slurm)
            {
                SlurmTrainLauncher.Submit(run, options, o.Slurm, output);
                output.WriteLine($"See progress with `{ModeCommand.Invocation} status --run {ModeCommand.Quote(run.Root)}`");
            }
            else TrainStage.Run(run, options, output, stop, model);
        }, [.. RunFlags.Names, new FlagName("only", only.Name)]);
    }
}
