using System.Diagnostics;
using MoDE.Data;
using MoDE.Eval;
using MoDE.Model;
using MoDE.Storage;
using MoDE.Tokenizer;
using MoDE.Train;

namespace MoDE.Bench;

/// <summary>
/// The stages after ingest on a large built-in run (bench/scale.sh runs each in its own process under /usr/bin/time -v).
/// <see cref="Train"/> prepares what the train stage prepares for the seed model over every pair (the captions read,
/// the tokenizer built over them and every caption encoded; images mapped), without the embed, cluster and split stages
/// that would choose the pairs, then trains the default tiny model; <see cref="Eval"/> scores that model on the run's tasks.
/// </summary>
static class CorpusScale
{
    /// <summary>Untimed steps before each timed run: libtorch's first steps allocate and tune.</summary>
    const int WarmupSteps = 10;

    /// <summary>Steps of each model before the other takes its turn.</summary>
    const int BlockSteps = 20;

    /// <summary>Images of the in-memory reference: the default run's 24,000 pairs, as the loader read them before shards.</summary>
    const int InMemoryImages = 24_000;

    static string Folder(string run) => Path.Combine(run, "bench-scale");
    static string TokenizerPath(string run) => Path.Combine(Folder(run), "tokenizer.json");
    static string ModelPath(string run) => Path.Combine(Folder(run), "tiny.bin");

    static string Memory() => $"RSS {Process.GetCurrentProcess().WorkingSet64 / 1e9:F2} GB, managed heap {GC.GetTotalMemory(false) / 1e9:F2} GB";

    /// <summary>
    /// STEPS timed steps over every pair of the run, images read from the mapped shards, and STEPS on the first
    /// <see cref="InMemoryImages"/> images copied into one array (the in-memory reference), same model, options and process,
    /// after <see cref="WarmupSteps"/> untimed steps each; pairs per second of each and their ratio. Saves the first model
    /// and the tokenizer for <see cref="Eval"/>. With <paramref name="alone"/>, only the mapped model trains: the memory of the
    /// train stage itself, one model, without the reference's second model and copy.
    /// </summary>
    public static void Train(string root, int steps, bool alone = false)
    {
        var run = new RunLayout(root);
        var options = new TrainOptions { WarmupSteps = 1 };
        var clock = Stopwatch.StartNew();
        using var pairs = PairStore.Load(run.Pairs, run.Images);
        Console.WriteLine($"scale-train: {pairs.Count} pairs read in {clock.Elapsed.TotalSeconds:F1} s; {Memory()}");
        clock.Restart();
        var captions = pairs.Pairs.Select(p => p.Caption).ToList();
        var tokenizer = CaptionTokenizer.Build(captions, options.ContextLength);
        Directory.CreateDirectory(Folder(root));
        tokenizer.Save(TokenizerPath(root));
        double build = clock.Elapsed.TotalSeconds;
        clock.Restart();
        long[][] tokens = tokenizer.Encode(captions);
        Console.WriteLine($"scale-train: tokenizer built in {build:F1} s, {tokens.Length} captions encoded in {clock.Elapsed.TotalSeconds:F1} s; {Memory()}");
        var config = ClipConfig.Resolve(options.Model, tokenizer.VocabSize, pairs.Images.Height);

        int count = Math.Min(alone ? 0 : InMemoryImages, pairs.Count);
        var pixels = new byte[(long)count * pairs.Images.ImageBytes];
        pairs.Images.CopyImages([.. Enumerable.Range(0, count)], pixels);
        var inMemory = new ImageSet(count, pairs.Images.Height, pairs.Images.Width, pixels);
        Console.WriteLine($"scale-train: {count} images copied into memory; {Memory()}");

        // Both models train in alternating blocks of steps, so a change in the load of a shared machine reaches both alike.
        using var mapped = TrainState.Create(config, options, WarmupSteps + steps);
        using var reference = alone ? null : TrainState.Create(config, options, WarmupSteps + steps);
        var runs = new[] { (Name: $"mapped, all {pairs.Count} pairs", State: mapped, Data: TrainingData.All(pairs.Images, tokens), Seconds: 0.0),
                           (Name: $"in-memory copy of {count} pairs", State: reference!, Data: TrainingData.All(inMemory, tokens[..count]), Seconds: 0.0) }[..(alone ? 1 : 2)];
        foreach (var r in runs) Trainer.Train(r.State, r.Data, WarmupSteps);
        for (int done = 0; done < steps; done += BlockSteps)
            for (int i = 0; i < runs.Length; i++)
            {
                var block = Stopwatch.StartNew();
                Trainer.Train(runs[i].State, runs[i].Data, WarmupSteps + Math.Min(steps, done + BlockSteps));
                runs[i].Seconds += block.Elapsed.TotalSeconds;
            }
        mapped.Save(ModelPath(root));
        foreach (var r in runs)
            Console.WriteLine($"scale-train: {r.Name}: {options.BatchSize * steps / r.Seconds:F0} pairs/s over {steps} steps of {options.BatchSize} ({r.Seconds:F0} s)");
        if (!alone) Console.WriteLine($"scale-train: mapped / in-memory {runs[1].Seconds / runs[0].Seconds:F3} ({options.Model}, {TorchSharp.torch.get_num_threads()} libtorch threads, " +
                          $"{Environment.ProcessorCount} cores); {Memory()}");
    }

    /// <summary>
    /// The training data path alone, no model: batches of the default size prepared by <see cref="BatchLoader"/> (gather,
    /// crop, normalize; the default two workers) from every pair of the run's mapped shards and from an in-memory copy of the
    /// first <see cref="InMemoryImages"/>, STEPS batches each, in alternating blocks; pairs per second of each.
    /// </summary>
    public static void Batches(string root, int steps)
    {
        var run = new RunLayout(root);
        var options = new TrainOptions();
        using var images = ImageSet.Open(run.Images);
        int count = Math.Min(InMemoryImages, images.Count);
        var pixels = new byte[(long)count * images.ImageBytes];
        images.CopyImages([.. Enumerable.Range(0, count)], pixels);
        var tokens = Enumerable.Range(0, images.Count).Select(i => new long[] { 1, i, 2 }).ToArray(); // the images are what is measured
        var runs = new[] { (Name: $"mapped, all {images.Count} pairs", Data: TrainingData.All(images, tokens), Seconds: 0.0),
                           (Name: $"in-memory copy of {count} pairs", Data: TrainingData.All(new ImageSet(count, images.Height, images.Width, pixels), tokens[..count]), Seconds: 0.0) };
        for (int done = 0; done < steps; done += BlockSteps)
            for (int i = 0; i < runs.Length; i++)
            {
                int until = Math.Min(steps, done + BlockSteps);
                var block = Stopwatch.StartNew();
                using (var loader = new BatchLoader(runs[i].Data, options.BatchSize, options.Seed, options.CropScale, done, until, Trainer.DefaultWorkers))
                    for (int step = done; step < until; step++) loader.Take(step);
                runs[i].Seconds += block.Elapsed.TotalSeconds;
            }
        foreach (var r in runs)
            Console.WriteLine($"scale-batches: {r.Name}: {options.BatchSize * steps / r.Seconds:F0} pairs/s over {steps} batches of {options.BatchSize}");
        Console.WriteLine($"scale-batches: mapped / in-memory {runs[1].Seconds / runs[0].Seconds:F3}; {Memory()}");
    }

    /// <summary>Zero-shot top-1 of the model <see cref="Train"/> saved on every task of the run, one after another.</summary>
    public static void Eval(string root)
    {
        var run = new RunLayout(root);
        var tokenizer = CaptionTokenizer.Load(TokenizerPath(root));
        using var state = TrainState.Load(ModelPath(root));
        foreach (string folder in Directory.GetDirectories(run.TasksFolder).Order(StringComparer.Ordinal))
        {
            var clock = Stopwatch.StartNew();
            var task = TaskStore.Load(folder);
            using (task.Images)
            {
                var logits = ZeroShotClassifier.Logits(state.Model, tokenizer, task);
                double accuracy = ZeroShotClassifier.Accuracy(logits, task.Labels, task.Classes.Count);
                Console.WriteLine($"scale-eval: {task.Name}: top-1 {100 * accuracy:F1}% on {task.Images.Count} images in {clock.Elapsed.TotalSeconds:F1} s; {Memory()}");
            }
        }
    }
}
