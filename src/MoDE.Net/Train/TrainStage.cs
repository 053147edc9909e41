using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Model;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tokenizer;

namespace MoDE.Train;

/// <summary>
/// Stage 4: the seed model; one data expert per coarse cluster, each resuming from the seed's full state; the
/// seed continued on all data to the end of the same schedule (the paper's single-model baseline, "single");
/// and the equal-compute baseline, trained from scratch for as many steps as the seed and all experts together. A model whose final state exists is skipped; one whose
/// unfinished state exists resumes from it. When <c>stop</c> is cancelled, the model in training saves its
/// unfinished state at its next checkpoint and the stage throws <see cref="OperationCanceledException"/>.
/// </summary>
public static class TrainStage
{
    /// <summary>The tokenizer and every model's final state, from the pairs and each expert's data.</summary>
    public static readonly Stage Stage = new("train", [SplitStage.Stage],
        run => [run.Tokenizer, .. RunModels.Of(run).Select(run.Model)]);

    /// <param name="only">Null: every model, then the stage's marker. A model name (<c>seed</c>, <c>expert_i</c>, <c>single</c>,
    /// <c>baseline</c>): that model alone, as one Slurm task trains it, holding that model's part of the stage
    /// (<see cref="StageLock"/>); experts and single need the seed's final state.</param>
    /// <remarks>Before any model trains, every model's data is checked to fill a batch (<see cref="RequireFullBatches"/>),
    /// and the options are recorded (<see cref="Stage.MarkStarted"/>), so a rerun with other options is refused instead of
    /// training some models with one set and the rest with another.</remarks>
    public static void Run(RunLayout run, TrainOptions options, TextWriter log, CancellationToken stop = default, string? only = null)
    {
        options.Validate(options.Steps); // every model's schedule is at least this long
        Stage.Require(run);
        if (only is not null && !RunModels.Of(run).Contains(only))
            throw new ArgumentException($"no model '{only}' in this run; its models are {string.Join(", ", RunModels.Of(run))}", nameof(only));
        using var hold = Stage.Begin(run, options, log, only);
        if (hold is null) return;
        var experts = ExpertData.Load(run);
        int[] embedded = Npy.ReadVector(run.EmbeddedPairs);
        RequireFullBatches(embedded.Length, experts, options);
        options.ValidateBaseline(experts.Count);
        if (only is not null && only != RunModels.Seed && only != RunModels.Baseline && !File.Exists(run.Model(RunModels.Seed)))
            throw new InvalidOperationException($"model '{only}' starts from the seed, which is not trained yet ({run.Model(RunModels.Seed)} is missing)");
        bool Wanted(string model) => only is null || only == model;
        var captions = PairStore.ReadCaptions(run.Pairs);
        using var images = RunImages.Open(run.Images);
        PairStore.RequireImagePerPair(captions.Count, images, run.Pairs, run.Images);
        options.Init?.Check(Config(options, images.Height), options.Model); // before anything is written (Validate: Init comes with a Tokenizer)

        var tokenizer = File.Exists(run.Tokenizer) ? CaptionTokenizer.Load(run.Tokenizer) : null;
        // One left by an attempt that failed before the stage recorded its options may be of the other kind: made anew.
        if (tokenizer is null || tokenizer.OpenClip != (options.Tokenizer is not null) && !File.Exists(run.Started(Stage.Name)))
        {
            (options.Tokenizer is null
                ? CaptionTokenizer.Build(embedded.Select(r => captions[r].Caption), Shape(options, images.Height).Text.ContextLength)
                : OpenClipTokenizer(options, images.Height)).Save(run.Tokenizer);
            tokenizer = CaptionTokenizer.Load(run.Tokenizer);
        }
        long[][] tokens = tokenizer.Encode(captions.Select(p => p.Caption).ToList());
        var config = ClipConfig.Resolve(options.Model, tokenizer.VocabSize, images.Height);
        // The tokenizer is built at the model's context length and saved with the run, so it stays the one source of
        // caption length; a run whose tokenizer was made for another model is refused rather than silently padded.
        if (config.Text.ContextLength != tokenizer.ContextLength)
            throw new ArgumentException($"model '{options.Model}' reads {config.Text.ContextLength} tokens per caption, but the run's tokenizer " +
                                        $"({run.Tokenizer}) makes {tokenizer.ContextLength}; set the context length to {config.Text.ContextLength} in a new run", nameof(options));
        if (config.Vision.ImageSize != images.Height || config.Vision.ImageSize != images.Width)
            throw new ArgumentException($"model '{options.Model}' takes {config.Vision.ImageSize}x{config.Vision.ImageSize} images, but the run's images ({run.Images}) are " +
                                        $"{images.Height}x{images.Width}; ingest with --image-size {config.Vision.ImageSize}", nameof(options));
        var all = new TrainingData(images, tokens, embedded, [], 0);
        Stage.MarkStarted(run, options);

        string seed = options.Init is { Seed: PretrainedSeed.Skip } ? "seed: the pretrained model" : $"seed {options.SeedSteps} steps";
        log.WriteLine($"train: {seed}, then {experts.Count} experts and the single model x {options.ExpertSteps} steps; " +
                      $"equal-compute baseline {options.BaselineSteps(experts.Count)} steps; batch {options.BatchSize}; model {options.Model} on {options.Device}");
        if (options.Init is { } init) log.WriteLine($"train: {(init.Models == PretrainedModels.All ? "seed and baseline start" : "seed starts")} from {init.Checkpoint}");
        TrainState FromSeed() => TrainState.Load(run.Model(RunModels.Seed), options.ThreadCount, options);
        // A pretrained seed that trains no steps is saved at the end of the seed's share, where the experts continue it.
        if (Wanted(RunModels.Seed))
            Train(run, RunModels.Seed, () => Start(config, options, options.Steps, options.Init?.Checkpoint.Path, options.SeedSteps - options.TrainedSeedSteps),
                all, options.SeedSteps, options, log, stop);
        foreach (var expert in experts.Where(e => Wanted(RunModels.Expert(e.Expert))))
        {
            var data = new TrainingData(images, tokens, expert.Rows, expert.OutOfClusterRows, expert.OutOfClusterRatio);
            Train(run, RunModels.Expert(expert.Expert), FromSeed, data, options.Steps, options, log, stop);
        }
        if (Wanted(RunModels.Single)) Train(run, RunModels.Single, FromSeed, all, options.Steps, options, log, stop);
        int baselineSteps = options.BaselineSteps(experts.Count);
        string? baselineInit = options.Init is { Models: PretrainedModels.All } ? options.Init.Checkpoint.Path : null;
        if (Wanted(RunModels.Baseline)) Train(run, RunModels.Baseline, () => Start(config, options, baselineSteps, baselineInit, 0), all, baselineSteps, options, log, stop);
        if (only is null) Stage.Finish(run, options);
    }

    /// <summary>A new model's state at <paramref name="step"/> of a schedule of <paramref name="totalSteps"/>, from
    /// random weights or the checkpoint <paramref name="init"/>.</summary>
    static TrainState Start(ClipConfig config, TrainOptions options, int totalSteps, string? init, int step)
    {
        // A seed taken as it is from open_clip's training checkpoint keeps its AdamW moments and step counts.
        if (init is not null && step == options.SeedSteps && OpenClipTrainingCheckpoint.IsTrainingCheckpoint(init))
            return OpenClipTrainingCheckpoint.LoadSeed(init, config, options);
        var state = TrainState.Create(config, options, totalSteps, init);
        state.Step = step;
        return state;
    }

    /// <summary>CLIP's vocabulary from <see cref="TrainOptions.Tokenizer"/>, at the context length of the model the
    /// options name; an error naming the option when the file is not that vocabulary or has changed since it was given.</summary>
    internal static CaptionTokenizer OpenClipTokenizer(TrainOptions options, int imageSize)
    {
        var file = options.Tokenizer ?? throw new ArgumentNullException(nameof(options), "no tokenizer file");
        try
        {
            file.Require();
            return CaptionTokenizer.FromOpenClipMerges(file.Path, Config(options, imageSize).Text.ContextLength);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException(e.Message, nameof(TrainOptions.Tokenizer), e);
        }
    }

    /// <summary>The model's architecture at the smallest vocabulary it can take, for its context length and image size
    /// before the run's vocabulary is known.</summary>
    static ClipConfig Shape(TrainOptions options, int imageSize) => ClipConfig.Resolve(options.Model, CaptionTokenizer.MinimumVocabSize, imageSize);

    /// <summary>The architecture the options name, for CLIP's vocabulary (<see cref="CaptionTokenizer.FromOpenClipMerges"/>
    /// makes its 512 byte symbols, its merges and the 2 special tokens).</summary>
    internal static ClipConfig Config(TrainOptions options, int imageSize) =>
        ClipConfig.Resolve(options.Model, CaptionTokenizer.MinimumVocabSize + CaptionTokenizer.OpenClipMergeCount, imageSize);

    /// <summary>
    /// Throws, naming the option, unless the run's <see cref="TrainOptions.Tokenizer"/> and <see cref="TrainOptions.Init"/>
    /// can start it: each file as it was given, the vocabulary CLIP's, the checkpoint one of the model the options name
    /// with that vocabulary (every tensor's name and shape, <see cref="PretrainedInit.Check"/>). Reads no run, so a command
    /// calls it before the first stage; <paramref name="imageSize"/> is the side of the run's images.
    /// </summary>
    public static void RequirePretrained(TrainOptions options, int imageSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int modelSize = Shape(options, imageSize).Vision.ImageSize;
        if (modelSize != imageSize)
            throw new ArgumentOutOfRangeException("ImageSize", imageSize, $"model '{options.Model}' takes {modelSize}x{modelSize} images; give --image-size {modelSize}");
        if (options.Tokenizer is null) return; // Validate refuses Init without it
        OpenClipTokenizer(options, imageSize);
        options.Init?.Check(Config(options, imageSize), options.Model);
    }

    /// <summary>
    /// Throws, naming the batch size, unless every model's pass fills one batch: the seed, single and baseline models
    /// see every embedded pair, expert i its own pairs and its share of the out-of-cluster pool (<see cref="PassSampler"/>
    /// cannot train on a pass shorter than a batch). Read from the split alone, so too small an expert fails in the train
    /// stage's first second rather than after the seed has trained.
    /// </summary>
    public static void RequireFullBatches(RunLayout run, TrainOptions options) =>
        RequireFullBatches(Npy.ReadHeader(run.EmbeddedPairs).Shape[0], ExpertData.Load(run), options);

    static void RequireFullBatches(int embedded, IReadOnlyList<ExpertData> experts, TrainOptions options)
    {
        var passes = experts.Select(e => (Model: $"data expert {e.Expert}",
                Pairs: TrainingData.PairsPerPassOf(e.Rows.Length, e.OutOfClusterRows.Length, e.OutOfClusterRatio),
                Detail: $" ({e.Rows.Length} of its own and {TrainingData.PairsPerPassOf(0, e.OutOfClusterRows.Length, e.OutOfClusterRatio)} out-of-cluster)"))
            .Prepend((Model: "the seed, single and baseline models each", Pairs: embedded, Detail: ""));
        foreach (var (model, pairs, detail) in passes)
            if (pairs < options.BatchSize)
                throw new ArgumentOutOfRangeException(nameof(TrainOptions.BatchSize), options.BatchSize,
                    $"{model} has {pairs} pairs per pass{detail}, fewer than one batch of {options.BatchSize}; " +
                    $"give a batch size of at most {pairs}, or fewer experts (no model has trained yet)");
    }

    /// <summary>Trains one model to <paramref name="untilStep"/>, saving its unfinished state on the way.</summary>
    static void Train(RunLayout run, string model, Func<TrainState> start, TrainingData data, int untilStep, TrainOptions options, TextWriter log, CancellationToken stop)
    {
        if (File.Exists(run.Model(model))) { log.WriteLine($"train {model}: done already, skipped"); return; }
        string unfinished = run.UnfinishedModel(model);
        using var state = File.Exists(unfinished) ? TrainState.Load(unfinished, options.ThreadCount, options) : start();
        if (File.Exists(unfinished)) log.WriteLine($"train {model}: resuming at step {state.Step}");
        int first = state.Step;
        var progress = new ConsoleProgress($"train {model}", untilStep - first, log);
        using var trainingLog = TrainingLog.Open(run, model, first);
        while (state.Step < untilStep)
        {
            int next = Math.Min(untilStep, (state.Step / options.CheckpointEvery + 1) * options.CheckpointEvery);
            Trainer.Train(state, data, next,
                p => progress.Report(p.Step - first, $"loss {p.Loss:F3} lr {p.LearningRate:E1} {p.PairsPerSecond:F0} pairs/s"),
                trainingLog);
            trainingLog.Flush();
            if (state.Step < untilStep)
            {
                state.Save(unfinished);
                if (stop.IsCancellationRequested)
                {
                    log.WriteLine($"train {model}: stopped at step {state.Step}; the next run resumes from {unfinished}");
                    stop.ThrowIfCancellationRequested();
                }
            }
        }
        state.Save(run.Model(model));
        if (File.Exists(unfinished)) File.Delete(unfinished);
    }
}
