using MoDE.Cluster;
using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Eval;
using MoDE.Route;
using MoDE.Run;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tokenizer;
using MoDE.Train;

namespace MoDE.Bench;

/// <summary>
/// The MoDE paper's Table 7 question, clustering by the seed model's own embeddings instead of a sentence encoder's:
/// OUT gets BASE's pairs, tasks, seed, single and baseline models and tokenizer; its caption embeddings are replaced
/// by the seed's unit text features of each caption (<c>text</c>) or image features of each pair's image
/// (<c>image</c>); then the cluster and split stages run with BASE's options, the experts train from the seed with
/// BASE's training options, and the eval stage scores them with routing metadata from the seed's text tower (class
/// prompts embedded as eval embeds them for the models, so classes and centers share CLIP's joint space). Prints the
/// average of every method and writes OUT/eval/results.md. Resumable: finished stages and models are skipped.
/// </summary>
static class SeedEmbeddings
{
    /// <summary>Usage: seed-embeddings BASE OUT text|image</summary>
    public static int Run(string[] args)
    {
        var from = new RunLayout(args[0]);
        var run = new RunLayout(args[1]);
        bool image = args[2] switch { "text" => false, "image" => true, _ => throw new ArgumentException($"'{args[2]}': give text or image") };
        Ablation.CopyData(from, run);
        foreach (string model in new[] { RunModels.Seed, RunModels.Single, RunModels.Baseline }) Ablation.CopyModel(from, run, model);
        if (!File.Exists(run.Tokenizer)) CaptionTokenizer.Load(from.Tokenizer).Save(run.Tokenizer);
        var tokenizer = CaptionTokenizer.Load(run.Tokenizer);

        if (!File.Exists(run.Done(ClusterStage.Stage.Name)))
        {
            int[] embedded = Npy.ReadVector(run.EmbeddedPairs);
            using var seed = TrainState.Load(run.Model(RunModels.Seed));
            float[][] features;
            if (image)
            {
                using var images = RunImages.Open(run.Images);
                if (!embedded.SequenceEqual(Enumerable.Range(0, images.Count)))
                    throw new InvalidDataException($"{run.EmbeddedPairs}: image features need every pair embedded, in order");
                features = seed.Model.EncodeImages(images);
            }
            else
            {
                var captions = PairStore.ReadCaptions(run.Pairs);
                features = seed.Model.EncodeTexts(tokenizer, [.. embedded.Select(r => captions[r].Caption)]);
            }
            int d = features[0].Length;
            Npy.Write(run.CaptionEmbeddings, [.. features.SelectMany(f => f)], features.Length, d);
            Console.WriteLine($"seed-embeddings: {features.Length} pairs embedded by the seed's {(image ? "image" : "text")} tower, d = {d}");
        }
        ClusterStage.Run(run, JsonFile.Read<ClusterOptions>(from.Done(ClusterStage.Stage.Name)), Console.Out);
        SplitStage.Run(run, JsonFile.Read<SplitOptions>(from.Done(SplitStage.Stage.Name)), Console.Out);
        TrainStage.Run(run, JsonFile.Read<TrainOptions>(from.Done(TrainStage.Stage.Name)), Console.Out);

        var options = new EvalOptions();
        var tasks = EvalStage.RequireTasks(run, options).Select(f => TaskFolder.Load(f, EvalStage.ImageSize(run))).ToList();
        List<TaskMetadata> metadata;
        using (var seed = TrainState.Load(run.Model(RunModels.Seed)))
            metadata = [.. tasks.Select(t => t switch
            {
                ClassificationTask c => new TaskMetadata(c.Name, c.Prompts.Classes,
                    [.. c.Prompts.Classes.Select((_, k) => ClassEmbedding.FromPrompts(seed.Model.EncodeTexts(tokenizer, [.. c.Prompts.Prompts(k)])))]),
                RetrievalTask r => new TaskMetadata(r.Name, r.Captions, [.. seed.Model.EncodeTexts(tokenizer, r.Captions).Select(e => ClassEmbedding.FromPrompts([e]))]),
                _ => throw new ArgumentException($"task {t.Name}: unknown kind"),
            })];
        Results results;
        try { results = EvalStage.Evaluate(run, tasks, options, Console.Out, metadata: metadata); }
        finally { foreach (var task in tasks) task.Images.Dispose(); }
        results.Save(run);
        Console.WriteLine(results.ToTable());
        return 0;
    }
}
