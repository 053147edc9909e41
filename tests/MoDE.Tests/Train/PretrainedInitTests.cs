using System.IO.Compression;
using System.Text;
using System.Text.Json;
using MoDE.Cli;
using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Eval;
using MoDE.Model;
using MoDE.Report;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tests.Cli;
using MoDE.Tests.Run;
using MoDE.Tokenizer;
using MoDE.Train;
using TorchSharp;
using Xunit;

namespace MoDE.Tests.Train;

/// <summary>
/// The files a pretrained start reads, written once per test class: a merges file in the format of open_clip's
/// bpe_simple_vocab_16e6.txt.gz with as many merges as open_clip takes from it (so CLIP's 49,408-token layout), and
/// open_clip checkpoints of the tiny preset with that vocabulary (the one a run starts from, and another), of the
/// tiny-vit preset (another architecture) and of the tiny preset with a learnt-size vocabulary (another vocabulary).
/// </summary>
public sealed class PretrainedFiles : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("mode-pretrained").FullName;
    public string Vocabulary { get; }
    public string Checkpoint { get; }
    public string OtherCheckpoint { get; }
    public string VitCheckpoint { get; }
    public string SmallVocabularyCheckpoint { get; }
    public const int VocabSize = CaptionTokenizer.MinimumVocabSize + CaptionTokenizer.OpenClipMergeCount;

    public PretrainedFiles()
    {
        Vocabulary = Path.Combine(Folder, "bpe_simple_vocab_16e6.txt.gz");
        // Every pair of byte symbols makes a new two-symbol token: 65,536 valid merges, of which open_clip takes the first 48,894.
        var text = new StringBuilder("\"bpe_simple_vocab_16e6.txt#version: 0.2\n");
        var symbols = ByteAlphabet.Bytes.Select(ByteAlphabet.Char).ToList();
        foreach (char left in symbols)
            foreach (char right in symbols)
                text.Append(left).Append(' ').Append(right).Append('\n');
        using (var gzip = new GZipStream(File.Create(Vocabulary), CompressionLevel.Fastest)) gzip.Write(Encoding.UTF8.GetBytes(text.ToString()));
        string Save(string name, ClipConfig config, int seed)
        {
            string path = Path.Combine(Folder, name);
            using var model = new Clip(config, seed);
            OpenClipCheckpoint.Save(model, path);
            return path;
        }
        Checkpoint = Save("pretrained.safetensors", ClipConfig.Tiny(VocabSize), 99);
        OtherCheckpoint = Save("other.safetensors", ClipConfig.Tiny(VocabSize), 98);
        VitCheckpoint = Save("vit.safetensors", ClipConfig.TinyVit(VocabSize), 99);
        SmallVocabularyCheckpoint = Save("small-vocabulary.safetensors", ClipConfig.Tiny(CaptionTokenizer.DefaultVocabSize), 99);
        TruncatedCheckpoint = Path.Combine(Folder, "truncated.safetensors");
        byte[] whole = File.ReadAllBytes(Checkpoint);
        File.WriteAllBytes(TruncatedCheckpoint, whole[..(whole.Length / 2)]);
        NanCheckpoint = Path.Combine(Folder, "nan.safetensors");
        using (var model = new Clip(ClipConfig.Tiny(VocabSize), 99))
        {
            using (torch.no_grad()) model.LogitScale.fill_(double.NaN);
            OpenClipCheckpoint.Save(model, NanCheckpoint);
        }
    }

    public string TruncatedCheckpoint { get; }
    public string NanCheckpoint { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

/// <summary>
/// <c>--init</c> and <c>--tokenizer</c> end to end on the tiny run: the seed taken as the checkpoint or fine-tuned from it,
/// the experts continuing from it, the baseline starting from it when asked, CLIP's ids in training and evaluation, and
/// every wrong start refused before any stage runs, in one line naming the flag.
/// </summary>
public sealed class PretrainedInitTests(PretrainedFiles files) : IClassFixture<PretrainedFiles>, IClassFixture<DejaVuFonts>
{
    static readonly TrainOptions Options = PipelineTests.Tiny.Train with { Threads = 1, CheckpointEvery = 100 };

    static List<Dictionary<string, double>> LogOf(RunLayout run, string model) =>
        File.Exists(run.TrainLog(model))
            ? [.. File.ReadLines(run.TrainLog(model)).Select(l => JsonSerializer.Deserialize<Dictionary<string, double>>(l)!)]
            : [];

    static void AssertSameWeights(Clip expected, Clip actual)
    {
        var weights = actual.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in expected.named_parameters())
            Assert.True(parameter.eq(weights[name]).all().item<bool>(), $"{name} differs from the checkpoint's");
    }

    [Fact]
    public void ASkippedSeedIsTheCheckpointAndTheExpertsContinueFromItWithClipsIds()
    {
        var run = SplitRun.Copy("mode-init-skip");
        try
        {
            var options = Options.WithTokenizer(files.Vocabulary).WithInit(files.Checkpoint, PretrainedSeed.Skip);
            var log = new StringWriter();
            TrainStage.Run(run, options, log);
            EvalStage.Run(run, PipelineTests.Tiny.Eval, log);
            RunReport.Write(run, log);
            Assert.Contains("train: seed: the pretrained model", log.ToString());

            using (var seed = TrainState.Load(run.Model(RunModels.Seed)))
            using (var pretrained = Clip.FromOpenClip(seed.Config, files.Checkpoint))
            {
                AssertSameWeights(pretrained, seed.Model);
                Assert.Equal(options.SeedSteps, seed.Step); // where the experts continue the schedule
            }
            Assert.Empty(LogOf(run, RunModels.Seed));
            var expert = LogOf(run, RunModels.Expert(0));
            Assert.Equal(Enumerable.Range(options.SeedSteps + 1, options.ExpertSteps).Select(s => (double)s), expert.Select(r => r["step"]));
            int experts = ExpertData.Load(run).Count;
            Assert.Equal(experts * options.ExpertSteps, LogOf(run, RunModels.Baseline).Count); // equal compute: no seed steps were trained

            // The run's tokenizer is CLIP's: open_clip's ids at the tiny model's context length, kept through its save and load.
            var tokenizer = CaptionTokenizer.Load(run.Tokenizer);
            var clip = CaptionTokenizer.FromOpenClipMerges(files.Vocabulary, 32);
            Assert.True(tokenizer.OpenClip);
            Assert.Equal(PretrainedFiles.VocabSize, tokenizer.VocabSize);
            foreach (var pair in PairStore.ReadCaptions(run.Pairs).Take(50))
                Assert.Equal(clip.Encode(pair.Caption), tokenizer.Encode(pair.Caption));
            Assert.True(File.Exists(run.ResultsJson)); // evaluated with it

            // Where it started from, in the report's provenance and in `mode status`.
            string sha = FileIdentity.Of(files.Checkpoint).Sha256;
            Assert.Contains($"Init.Checkpoint.Sha256={sha}", File.ReadAllText(run.ReportMarkdown));
            var status = InProcessMode.Run("status", "--run", run.Root);
            Assert.Contains($"pretrained {FileIdentity.Of(files.Checkpoint)}; seed Skip, models Seed", status.Output);
            Assert.Contains($"vocabulary {FileIdentity.Of(files.Vocabulary)}", status.Output);

            // The marker records the files by content; a rerun with another checkpoint is refused as one with other options.
            string marker = File.ReadAllText(run.Done("train"));
            Assert.Contains(FileIdentity.Of(files.Checkpoint).Sha256, marker);
            Assert.Contains(FileIdentity.Of(files.Vocabulary).Sha256, marker);
            var other = Assert.Throws<InvalidOperationException>(() => TrainStage.Run(run, Options.WithTokenizer(files.Vocabulary).WithInit(files.OtherCheckpoint), new StringWriter()));
            Assert.Contains("was made with other options", other.Message);
            Assert.Contains("Init:", other.Message);
        }
        finally { Directory.Delete(run.Root, recursive: true); }
    }

    /// <summary>A seed that open_clip trained, given as its training checkpoint, is taken with its AdamW moments and
    /// step counts, not fresh ones; <c>mode seed-checkpoint</c> writes the same state back as open_clip's checkpoint of
    /// epoch 27, and a schedule of epochs the seed's share does not divide is refused naming <c>--epochs</c>.</summary>
    [Fact]
    public void ASeedFromOpenClipsTrainingCheckpointKeepsItsMomentsAndIsWrittenBackAsOne()
    {
        var run = SplitRun.Copy("mode-init-resume");
        try
        {
            var options = Options.WithTokenizer(files.Vocabulary);
            var config = ClipConfig.Tiny(PretrainedFiles.VocabSize);
            string checkpoint = Path.Combine(run.Root, "epoch_27.pt");
            using (var trained = TrainState.Create(config, options, options.Steps))
            {
                torch.manual_seed(5);
                foreach (var moment in trained.Moments().Values)
                {
                    moment.step = 7;
                    moment.exp_avg.copy_(torch.randn_like(moment.exp_avg));
                    moment.exp_avg_sq.copy_(torch.rand_like(moment.exp_avg_sq));
                }
                OpenClipTrainingCheckpoint.Save(trained, checkpoint, OpenClipTrainingCheckpoint.SeedEpoch(options), "seed");
            }
            Assert.True(OpenClipTrainingCheckpoint.IsTrainingCheckpoint(checkpoint));
            Assert.False(OpenClipTrainingCheckpoint.IsTrainingCheckpoint(files.Checkpoint));

            TrainStage.Run(run, options.WithInit(checkpoint, PretrainedSeed.Skip), new StringWriter(), only: RunModels.Seed);
            using var seed = TrainState.Load(run.Model(RunModels.Seed));
            using var imported = OpenClipTrainingCheckpoint.LoadSeed(checkpoint, config, options);
            Assert.Equal(options.SeedSteps, seed.Step);
            AssertSameState(imported, seed);
            Assert.All(seed.Moments().Values, m => Assert.Equal(7, m.step));

            var written = InProcessMode.Run("seed-checkpoint", "--run", run.Root);
            Assert.True(written.Code == 0, written.Error);
            string path = run.OpenClipCheckpoint(RunModels.Seed, 27);
            Assert.Equal(path, written.Output.Trim());
            using (var back = OpenClipTrainingCheckpoint.LoadSeed(path, config, options)) AssertSameState(seed, back);

            var wrong = InProcessMode.Run("seed-checkpoint", "--run", run.Root, "--epochs", "10");
            Assert.Equal(2, wrong.Code);
            Assert.StartsWith("mode seed-checkpoint: --epochs", wrong.Error);
        }
        finally { Directory.Delete(run.Root, recursive: true); }
    }

    static void AssertSameState(TrainState expected, TrainState actual)
    {
        AssertSameWeights(expected.Model, actual.Model);
        var moments = actual.Moments();
        foreach (var (name, moment) in expected.Moments())
        {
            Assert.Equal(moment.step, moments[name].step);
            Assert.True(moment.exp_avg.eq(moments[name].exp_avg).all().item<bool>(), $"{name} exp_avg");
            Assert.True(moment.exp_avg_sq.eq(moments[name].exp_avg_sq).all().item<bool>(), $"{name} exp_avg_sq");
        }
    }

    [Fact]
    public void AFinetunedSeedAndTheBaselineTrainFromTheCheckpoint()
    {
        var run = SplitRun.Copy("mode-init-finetune");
        try
        {
            var options = Options.WithTokenizer(files.Vocabulary).WithInit(files.Checkpoint, PretrainedSeed.Finetune, PretrainedModels.All);
            TrainStage.Run(run, options, new StringWriter());

            var seedLog = LogOf(run, RunModels.Seed);
            Assert.Equal(options.SeedSteps, seedLog.Count);
            int experts = ExpertData.Load(run).Count;
            var baselineLog = LogOf(run, RunModels.Baseline);
            Assert.Equal(options.SeedSteps + experts * options.ExpertSteps, baselineLog.Count);

            // The seed's first loss is the checkpoint's loss on the first batch: it started from the checkpoint's weights.
            var tokenizer = CaptionTokenizer.Load(run.Tokenizer);
            var captions = PairStore.ReadCaptions(run.Pairs);
            using var images = RunImages.Open(run.Images);
            var data = new TrainingData(images, tokenizer.Encode(captions.Select(p => p.Caption).ToList()), Npy.ReadVector(run.EmbeddedPairs), [], 0);
            using var loader = new BatchLoader(data, options.BatchSize, options.Seed, options.CropScale, 0, 1, 1);
            var batch = loader.Take(0);
            using var model = Clip.FromOpenClip(ClipConfig.Tiny(PretrainedFiles.VocabSize), files.Checkpoint);
            model.train();
            torch.set_num_threads(1);
            double loss;
            using (torch.NewDisposeScope())
            {
                var (imageFeatures, textFeatures) = model.call(
                    torch.tensor(batch.Images, [batch.Count, ImageSet.Channels, images.Height, images.Width]), torch.tensor(batch.Tokens, [batch.Count, batch.Tokens.Length / batch.Count]));
                loss = ClipLoss.Compute(imageFeatures, textFeatures, model.LogitScale).item<float>();
            }
            Assert.Equal(loss, seedLog[0]["loss"], 5);
            Assert.Equal(seedLog[0]["loss"], baselineLog[0]["loss"], 6); // the baseline starts from it too, on the same first batch

            var learnt = SplitRun.Copy("mode-init-none");
            try
            {
                TrainStage.Run(learnt, Options with { Steps = Options.Steps }, new StringWriter(), only: RunModels.Seed);
                Assert.NotEqual(seedLog[0]["loss"], LogOf(learnt, RunModels.Seed)[0]["loss"]); // without it, another start
            }
            finally { Directory.Delete(learnt.Root, recursive: true); }
        }
        finally { Directory.Delete(run.Root, recursive: true); }
    }

    [Fact]
    [Trait("Hostile", "class10")]
    public void ACheckpointChangedAfterItWasGivenIsRefusedBeforeAnyModelTrains()
    {
        var run = SplitRun.Copy("mode-init-changed");
        try
        {
            string copy = Path.Combine(run.Root, "pretrained.safetensors");
            File.Copy(files.Checkpoint, copy);
            var options = Options.WithTokenizer(files.Vocabulary).WithInit(copy);
            File.Copy(files.OtherCheckpoint, copy, overwrite: true); // same architecture, same length, other weights
            var error = Assert.Throws<ArgumentException>(() => TrainStage.Run(run, options, new StringWriter()));
            Assert.Equal(nameof(TrainOptions.Init), error.ParamName);
            Assert.Contains($"{copy}: changed since it was given", error.Message);
            Assert.False(File.Exists(run.Started("train")) || File.Exists(run.Tokenizer)); // nothing written, nothing trained
            Assert.False(File.Exists(run.Model(RunModels.Seed)) || File.Exists(run.UnfinishedModel(RunModels.Seed)));
        }
        finally { Directory.Delete(run.Root, recursive: true); }
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "architecture", "--init: " },
        { "vit-b-32", "--init: " },
        { "vocabulary", "--init: " },
        { "missing-init", "--init: " },
        { "truncated", "--init: " },
        { "nan", "--init: " },
        { "missing-tokenizer", "--tokenizer: " },
        { "damaged-tokenizer", "--tokenizer: " },
        { "init-seed-alone", "--init-seed applies only with --init" },
        { "init-models-alone", "--init-models applies only with --init" },
        { "init-alone", "--init needs --tokenizer" },
        { "short-baseline", "--steps: the equal-compute baseline's 32 steps (4 experts x 8) cannot hold the 40 warmup steps" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    [Trait("Hostile", "class10")]
    public void AWrongStartIsRefusedBeforeAnyStageInOneLineNamingTheFlag(string wrong, string expected)
    {
        string root = Path.Combine(files.Folder, $"run-{wrong}");
        string missing = Path.Combine(files.Folder, "absent.safetensors");
        string damaged = Path.Combine(files.Folder, "damaged.txt.gz");
        File.WriteAllText(damaged, "#version: 0.2\nh e\n");
        string[] flags = wrong switch
        {
            "architecture" => ["--init", files.VitCheckpoint, "--tokenizer", files.Vocabulary],
            "vit-b-32" => ["--model", "ViT-B-32", "--image-size", "224", "--init", files.Checkpoint, "--tokenizer", files.Vocabulary],
            "vocabulary" => ["--init", files.SmallVocabularyCheckpoint, "--tokenizer", files.Vocabulary],
            "missing-init" => ["--init", missing, "--tokenizer", files.Vocabulary],
            "truncated" => ["--init", files.TruncatedCheckpoint, "--tokenizer", files.Vocabulary],
            "nan" => ["--init", files.NanCheckpoint, "--tokenizer", files.Vocabulary],
            "missing-tokenizer" => ["--tokenizer", missing],
            "damaged-tokenizer" => ["--tokenizer", damaged],
            "init-seed-alone" => ["--init-seed", "finetune"],
            "init-models-alone" => ["--init-models", "all"],
            "init-alone" => ["--init", files.Checkpoint],
            "short-baseline" => ["--init", files.Checkpoint, "--tokenizer", files.Vocabulary, "--steps", "48"], // seed skipped: 4 x 8 steps
            _ => throw new ArgumentOutOfRangeException(nameof(wrong)),
        };
        var mode = InProcessMode.Run(["run", "--run", root, .. flags]);
        Assert.Equal(Verb.BadFlag, mode.Code);
        Assert.Single(mode.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, mode.Error);
        Assert.False(Directory.Exists(root)); // no stage ran
        if (wrong == "vit-b-32") Assert.Contains("'positional_embedding' has shape [32, 128], the model's is [77, 512]", mode.Error); // CLIP's context length
        if (wrong == "nan") Assert.Contains("'logit_scale' holds NaN", mode.Error);
        if (wrong == "architecture") Assert.Matches("unexpected [0-9]+: visual.conv1.weight", mode.Error);
        if (wrong == "vocabulary") Assert.Contains($"'token_embedding.weight' has shape [{CaptionTokenizer.DefaultVocabSize}, 128], the model's is [{PretrainedFiles.VocabSize}, 128]", mode.Error);
    }
}
