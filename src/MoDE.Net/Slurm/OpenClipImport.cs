using System.Globalization;
using System.Text.RegularExpressions;
using MoDE.Data.Ingest;
using MoDE.Model;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tokenizer;
using MoDE.Train;

namespace MoDE.Slurm;

/// <summary>
/// <c>mode import-experts</c>: the models open_clip trained (<see cref="OpenClipTrainLauncher"/>) brought back as the run's models, so
/// <c>mode eval</c>, <c>mode route</c>, <c>mode export</c> and the report read them as they read models trained here. For each model of
/// the run, <c>FROM/MODEL/</c> holds open_clip's <c>checkpoints/epoch_N.pt</c> (the highest N is taken; its <c>state_dict</c>, DDP's
/// <c>module.</c> prefix undone, <see cref="TorchStateDict"/>) or an <c>open_clip_model.safetensors</c>; the weights are loaded all or
/// nothing (<see cref="OpenClipCheckpoint.Load"/>) into a <see cref="TrainState"/> at the end of the model's schedule (a fresh AdamW:
/// the model is final, open_clip's optimizer state is not carried over). A checkpoint of an epoch before the model's last
/// (<see cref="OpenClipSchedule"/>) is refused, naming it. The run's tokenizer is CLIP's vocabulary (<see cref="TrainOptions.Tokenizer"/>),
/// which open_clip tokenized with. Once every model is there the train stage's marker is written with the options.
/// </summary>
public static partial class OpenClipImport
{
    [GeneratedRegex(@"^epoch_(\d+)\.pt$")]
    private static partial Regex EpochCheckpoint();

    /// <summary>Imports every model found in <paramref name="from"/>; returns the models imported.</summary>
    public static List<string> Run(RunLayout run, TrainOptions options, string from, OpenClipSchedule schedule, TextWriter log)
    {
        options.Validate(options.Steps);
        SplitStage.Stage.Require(run);
        int experts = RunModels.Experts(run);
        foreach (var after in new[] { "eval", "report" })
            if (File.Exists(run.Done(after)))
                throw new InvalidOperationException($"{run.Done(after)}: the run's {after} stage has results of its models already; import into a copy of the run made before, or delete {Path.GetDirectoryName(run.Done(after))}");
        if (File.Exists(run.Done(TrainStage.Stage.Name))) StageMarker.IsDone(run, TrainStage.Stage.Name, options); // throws, naming the fields, when other options made them
        if (!Directory.Exists(from)) throw new DirectoryNotFoundException($"{from}: no such folder of open_clip models");
        using var hold = TrainStage.Stage.Hold(run);

        int imageSize;
        using (var images = RunImages.Open(run.Images)) imageSize = images.Height;
        if (!File.Exists(run.Tokenizer))
        {
            if (options.Tokenizer is null)
                throw new ArgumentException("the run has no tokenizer yet: give CLIP's vocabulary (open_clip's bpe_simple_vocab_16e6.txt.gz), which open_clip tokenized with", nameof(TrainOptions.Tokenizer));
            TrainStage.OpenClipTokenizer(options, imageSize).Save(run.Tokenizer);
        }
        var tokenizer = CaptionTokenizer.Load(run.Tokenizer);
        var config = ClipConfig.Resolve(options.Model, tokenizer.VocabSize, imageSize);
        TrainStage.Stage.MarkStarted(run, options);

        var imported = new List<string>();
        foreach (string model in RunModels.Of(experts))
        {
            var (epochs, steps, total) = model switch
            {
                RunModels.Seed => (schedule.SeedEpochs, options.SeedSteps, options.Steps),
                RunModels.Baseline => (schedule.BaselineEpochs, options.BaselineSteps(experts), options.BaselineSteps(experts)),
                _ => (schedule.Epochs, options.Steps, options.Steps),
            };
            if (Checkpoint(Path.Combine(from, model), epochs) is not { } checkpoint)
            {
                log.WriteLine($"import: no checkpoint of {model} in {Path.Combine(from, model)}");
                continue;
            }
            using var state = TrainState.Create(config, options, total, checkpoint);
            state.Step = steps;
            state.Save(run.Model(model));
            File.Delete(run.UnfinishedModel(model));
            imported.Add(model);
            log.WriteLine($"import: {model} from {checkpoint}");
        }
        var missing = RunModels.Of(experts).Where(m => !File.Exists(run.Model(m))).ToList();
        if (missing.Count == 0) TrainStage.Stage.Finish(run, options);
        else log.WriteLine($"import: {string.Join(", ", missing)} still missing; the train stage is done once every model is there");
        return imported;
    }

    /// <summary>
    /// The checkpoint of one model's folder: the highest <c>checkpoints/epoch_N.pt</c>, which must be epoch <paramref name="epochs"/> (the
    /// model's last), else <c>open_clip_model.safetensors</c>; null when there is neither.
    /// </summary>
    static string? Checkpoint(string folder, int epochs)
    {
        string checkpoints = Path.Combine(folder, "checkpoints");
        var numbered = Directory.Exists(checkpoints)
            ? Directory.GetFiles(checkpoints).Select(f => (Path: f, Match: EpochCheckpoint().Match(Path.GetFileName(f)))).Where(f => f.Match.Success)
                .Select(f => (f.Path, Epoch: long.Parse(f.Match.Groups[1].Value, CultureInfo.InvariantCulture))).OrderBy(f => f.Epoch).ToList()
            : [];
        if (numbered.Count > 0)
        {
            var (path, epoch) = numbered[^1];
            if (epoch != epochs)
                throw new InvalidDataException($"{path}: open_clip's last checkpoint of this model is epoch {epoch}, its schedule ends at epoch {epochs}; " +
                                               (epoch < epochs ? "wait for its job to finish (or resubmit it)" : "it was trained with another schedule (--open-clip-epochs)"));
            return path;
        }
        string safetensors = Path.Combine(folder, OpenClipCheckpoint.FileName);
        return File.Exists(safetensors) ? safetensors : null;
    }
}
