using System.CommandLine;
using MoDE.Cli.Flags;
using MoDE.Slurm;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Train;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode import-experts</c>: the models open_clip trained, back as the run's models.</summary>
public static class ImportExpertsVerb
{
    public static Command Create()
    {
        var from = new Option<string>("--from")
        {
            Description = "Folder with one folder per model (seed, expert_i, single, baseline) holding open_clip's checkpoints/epoch_N.pt or an open_clip_model.safetensors: RUN/open_clip after `mode train --launcher open_clip`",
            Required = true,
        };
        var epochs = new Option<int?>("--open-clip-epochs") { Description = "open_clip epochs of the whole schedule (default: FROM/schedule.json, written by the launcher, else 32)" };
        var trainOptions = ShardsVerb.TrainOptionsFile();
        var command = new Command("import-experts", "Bring the models open_clip trained back as the run's models, so eval, route, export and the report use them")
        {
            RunFlags.Run, RunFlags.Seed, from, epochs, trainOptions,
        };
        StageFlags.Train.AddTo(command);
        RunFlags.ExcludeWith(command, trainOptions, [.. StageFlags.Train.Flags.Select(f => f.Option), RunFlags.Seed]);
        return command.WithAction((p, output) =>
        {
            var run = new RunLayout(p.GetValue(RunFlags.Run)!);
            Verb.RequireRun(run);
            string folder = Path.GetFullPath(p.GetValue(from)!);
            string written = Path.Combine(folder, OpenClipTrainLauncher.TrainOptionsFile);
            var options = p.GetValue(trainOptions) is null && !StageFlags.Train.Given(p).Any() && p.GetValue(RunFlags.Seed) is null && File.Exists(written)
                ? EmbedVerb.Read<TrainOptions>(written)
                : ShardsVerb.TrainOptionsOf(p, trainOptions);
            string scheduleFile = Path.Combine(folder, OpenClipTrainLauncher.ScheduleFile);
            var schedule = p.GetValue(epochs) is int e ? OpenClipSchedule.Of(options, RunModels.Experts(run), e)
                : File.Exists(scheduleFile) ? JsonFile.Read<OpenClipSchedule>(scheduleFile)
                : OpenClipSchedule.Of(options, RunModels.Experts(run), new OpenClipLaunchOptions().Epochs);
            OpenClipImport.Run(run, options, folder, schedule, output);
        }, StageFlags.Train, new FlagName("epochs", epochs.Name));
    }
}
