using System.Text.Json;
using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Train;

namespace MoDE.Shards;

/// <summary>
/// <c>mode shards</c>: a run's training data as WebDataset shards that open_clip's trainer reads, one shard set per set of training
/// data (<see cref="ShardPlan"/>): <c>TO/all/</c> for the seed, the single model and the baseline, <c>TO/expert_i/</c> for each data
/// expert, each with its <c>manifest.json</c> (<see cref="ShardManifest"/>). The images are the pairs' original encoded bytes
/// (<see cref="OriginalImages"/>). <c>TO/shards.json</c> records the run and the options; a rerun with the same ones keeps the
/// finished shards and writes the rest, one with others is refused.
/// </summary>
public static class RunShards
{
    public const string OptionsFile = "shards.json";

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>What <c>TO/shards.json</c> holds: the run and every option the samples depend on.</summary>
    sealed record Written(string Run, long ShardBytes, int ShardSamples, int Seed, TrainOptions Train);

    /// <summary>Writes every shard set of <paramref name="run"/>; returns the manifests, all data first.</summary>
    public static List<ShardManifest> Write(RunLayout run, ShardOptions options, TrainOptions train, TextWriter log, CancellationToken stop = default)
    {
        options.Validate();
        train.Validate(train.Steps);
        SplitStage.Stage.Require(run);
        TrainStage.RequireFullBatches(run, train);
        string to = Path.GetFullPath(options.To);
        Directory.CreateDirectory(to);
        string marker = Path.Combine(to, OptionsFile);
        string written = JsonSerializer.Serialize(new Written(run.Root, options.ShardBytes, options.ShardSamples, options.Seed, train), Json) + "\n";
        if (File.Exists(marker) && File.ReadAllText(marker) != written)
            throw new InvalidOperationException($"{marker}: this folder holds shards of another run or other options (shard size, seed, training schedule); give another --to or delete it");
        AtomicFile.WriteAllText(marker, written);

        var experts = ExpertData.Load(run);
        int[] embedded = Npy.ReadVector(run.EmbeddedPairs);
        var pairs = PairStore.ReadCaptions(run.Pairs);
        using var images = RunImages.Open(run.Images);
        PairStore.RequireImagePerPair(pairs.Count, images, run.Pairs, run.Images);
        bool source = File.Exists(run.IngestReport);
        using var originals = source
            ? OriginalImages.FromSourceOf(JsonFile.Read<SourceOptions>(run.Done(IngestStage.Stage.Name)), images, pairs, embedded, to, log)
            : OriginalImages.Stored(images);
        string imagesText = originals.FromSource
            ? "the pairs' original encoded images from the run's source, byte for byte (JPEG as .jpg, PNG as .png, WebP as .webp)" +
              (originals.Converted > 0 ? $"; {originals.Converted} GIF/BMP originals, which open_clip does not read, as lossless PNG of their full-size first frame" : "")
            : "the built-in dataset has no encoded originals: its stored pixels, as lossless PNG (.png)";

        var manifests = new List<ShardManifest>();
        ShardManifest Set(string name, IReadOnlyList<string> models, ShardSample[] samples, int pairsPerPass, int outOfCluster, IReadOnlyList<int> passes)
        {
            string folder = Path.Combine(to, name);
            var (counts, bytes) = WebDatasetShards.Write(folder, samples, pairs, originals, options, log, stop);
            var manifest = new ShardManifest
            {
                Set = name, TrainData = ShardManifest.BraceList(folder, counts.Count), Samples = samples.Length, ShardSamples = counts, Bytes = bytes,
                Images = imagesText, Models = models, PairsPerPass = pairsPerPass, OutOfClusterPerPass = outOfCluster, Passes = passes,
                Keys = "KEY is the pair id of pairs/pairs.jsonl with every UTF-8 byte outside A-Z a-z 0-9 - written as %XX" +
                       (passes.Count > 0 ? ", then _p and the training pass (each planned pass is written whole: the expert's pairs and that pass's out-of-cluster draw)" : "") +
                       "; KEY.txt is the caption, KEY.json holds {\"id\", \"row\" (the pair's row in the run), \"pass\"}",
                Seed = options.Seed, TrainSeed = train.Seed, Steps = train.Steps, SeedSteps = train.SeedSteps, BatchSize = train.BatchSize,
            };
            manifest.Save(folder);
            log.WriteLine($"shards: {name}: {samples.Length} samples in {counts.Count} shard(s), {bytes / 1e6:F1} MB: {manifest.TrainData}");
            manifests.Add(manifest);
            return manifest;
        }

        Set(ShardPlan.All, [RunModels.Seed, RunModels.Single, RunModels.Baseline], ShardPlan.AllData(embedded, options.Seed), embedded.Length, 0, []);
        foreach (var expert in experts)
        {
            int perPass = TrainingData.PairsPerPassOf(expert.Rows.Length, expert.OutOfClusterRows.Length, expert.OutOfClusterRatio);
            Set(RunModels.Expert(expert.Expert), [RunModels.Expert(expert.Expert)], ShardPlan.Expert(expert, train, options.Seed), perPass,
                perPass - expert.Rows.Length, ShardPlan.Passes(train, perPass));
        }
        return manifests;
    }
}
