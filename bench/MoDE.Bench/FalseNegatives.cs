using System.Globalization;
using System.Numerics.Tensors;
using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Data.Synthetic;
using MoDE.Embed;
using MoDE.Model;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tokenizer;
using MoDE.Train;
using TorchSharp;

namespace MoDE.Bench;

/// <summary>
/// False negatives in the batches a finished run trained on (MoDE paper, section 1: in a random batch another pair's
/// caption can describe your image too). Each model's batches are drawn by the trainer's own <see cref="PassSampler"/>
/// with the run's seed and batch size, from the step where the experts and the single model leave the seed: each expert
/// its own pairs plus its out-of-cluster share (<see cref="ExpertData"/>), "all pairs" every embedded pair (the seed and
/// single models). Every in-batch pair i &lt; j is compared by the cosine of the two captions' embeddings (the run's
/// embed/captions.npy, unit rows): copies (identical caption text) are counted apart from near duplicates (cosine above a
/// threshold, different text); the built-in data's class labels give a third count, pairs of one class (whose captions
/// both describe either image at the class level, whatever their wording). Then each expert's contrastive loss against
/// the single model's on the same held-out pairs of its cluster (<see cref="HeldOutLoss"/>). Deterministic; reads the
/// run and writes nothing.
/// </summary>
static class FalseNegatives
{
    const int Batches = 200;
    static readonly double[] Thresholds = [0.8, 0.9, 0.95];

    /// <summary>Usage: false-negatives RUN [THRESHOLD] [BATCH]; THRESHOLD 0.9 and the run's batch size unless given.</summary>
    public static int Run(string[] args)
    {
        var run = new RunLayout(args[0]);
        var options = JsonFile.Read<TrainOptions>(run.Done("train"));
        double threshold = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 0.9;
        int batch = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : options.BatchSize;
        double[] thresholds = [.. Thresholds.Append(threshold).Distinct().Order()];

        int[] embedded = Npy.ReadVector(run.EmbeddedPairs);
        using var matrix = NpyMatrix.Open(run.CaptionEmbeddings);
        int dimension = matrix.Columns;
        float[] embeddings = matrix.Gather([.. Enumerable.Range(0, matrix.Rows)]);
        var captions = PairStore.ReadCaptions(run.Pairs);
        var rowOf = Enumerable.Repeat(-1, captions.Count).ToArray();
        for (int r = 0; r < embedded.Length; r++) rowOf[embedded[r]] = r;
        var textIds = new Dictionary<string, int>();
        int[] textOf = [.. captions.Select(p => textIds.TryGetValue(p.Caption, out int id) ? id : textIds[p.Caption] = textIds.Count)];
        var labelIds = new Dictionary<string, int>();
        int[] labelOf = [.. captions.Select(p => p.Label is null ? -1 : labelIds.TryGetValue(p.Label, out int id) ? id : labelIds[p.Label] = labelIds.Count)];

        using var images = RunImages.Open(run.Images);
        var tokens = new long[images.Count][]; // the sampler orders pairs and reads no tokens
        var experts = ExpertData.Load(run);
        var models = experts
            .Select(e => (Name: RunModels.Expert(e.Expert), Own: e.Rows.Length, Data: new TrainingData(images, tokens, e.Rows, e.OutOfClusterRows, e.OutOfClusterRatio)))
            .Prepend((Name: "all pairs", Own: embedded.Length, Data: new TrainingData(images, tokens, embedded, [], 0)))
            .ToList();

        Console.WriteLine($"false-negatives {run.Root}: {embedded.Length} embedded pairs ({textIds.Count} distinct captions), d = {dimension}; " +
                          $"{Batches} batches of {batch} per model from step {options.SeedSteps} (seed {options.Seed}); {Environment.ProcessorCount} cores");
        Console.WriteLine($"  rates are shares of in-batch pairs i != j; near = cosine above the threshold, different text; copy = identical text; " +
                          $"class = same label ({labelIds.Count} labels); x = rate / the all-pairs rate; 1/share = pairs / the model's own pairs");
        Console.WriteLine($"  {"model",-10} {"pairs",6} {"batches",7} {"compared",10} {"copy %",8} {"copy x",7} " +
                          string.Join(" ", thresholds.Select(t => $"{$"near>{t:0.###} %",12}")) + $" {"x@" + threshold.ToString("0.###", CultureInfo.InvariantCulture),7} {"class %",8} {"class x",7} {"1/share",8}  main domain");
        (double Copy, double[] Near, double Class)? random = null;
        foreach (var (name, own, data) in models)
        {
            var sampler = new PassSampler(data, batch, options.Seed);
            long compared = 0, copies = 0, sameClass = 0;
            var near = new long[thresholds.Length];
            var gathered = new float[batch * dimension];
            for (int step = options.SeedSteps; step < options.SeedSteps + Batches; step++)
            {
                int[] pairs = sampler.Batch(step).ToArray();
                for (int i = 0; i < batch; i++)
                    embeddings.AsSpan(rowOf[pairs[i]] * dimension, dimension).CopyTo(gathered.AsSpan(i * dimension));
                for (int i = 0; i < batch; i++)
                {
                    var a = gathered.AsSpan(i * dimension, dimension);
                    for (int j = i + 1; j < batch; j++)
                    {
                        compared++;
                        if (labelOf[pairs[i]] >= 0 && labelOf[pairs[i]] == labelOf[pairs[j]]) sameClass++;
                        if (textOf[pairs[i]] == textOf[pairs[j]]) { copies++; continue; }
                        float cosine = TensorPrimitives.Dot(a, gathered.AsSpan(j * dimension, dimension));
                        for (int t = 0; t < thresholds.Length; t++)
                            if (cosine > thresholds[t]) near[t]++;
                    }
                }
            }
            double[] rates = [.. near.Select(n => 100.0 * n / compared)];
            double copy = 100.0 * copies / compared, classRate = 100.0 * sameClass / compared;
            random ??= (copy, rates, classRate);
            int at = Array.IndexOf(thresholds, threshold);
            var domain = data.Rows.GroupBy(p => captions[p].Domain ?? "none").MaxBy(g => g.Count())!;
            Console.WriteLine($"  {name,-10} {own,6} {Batches,7} {compared,10} {copy,8:F3} {copy / random.Value.Copy,7:F2} " +
                              string.Join(" ", rates.Select(r => $"{r,12:F3}")) + $" {rates[at] / random.Value.Near[at],7:F2} {classRate,8:F3} {classRate / random.Value.Class,7:F2} " +
                              $"{(double)embedded.Length / own,8:F2}  {domain.Key} {100.0 * domain.Count() / data.Rows.Length:F0}%");
        }
        HeldOutLoss(run, embedded, embeddings, dimension, experts, batch);
        return 0;
    }

    /// <summary>
    /// Fresh pairs (<see cref="HeldOutPairs"/>), their
    /// captions embedded with the run's caption encoder and given the expert of their nearest fine center (the cluster
    /// stage's files), or of their nearest embedded training caption when the run no longer keeps them. Per expert, the
    /// CLIP loss (<see cref="ClipLoss"/>, eval mode, no augmentation) of the expert and of the single model on the same
    /// full batches of that cluster's held-out pairs.
    /// </summary>
    static void HeldOutLoss(RunLayout run, int[] embedded, float[] embeddings, int dimension, IReadOnlyList<ExpertData> experts, int batch)
    {
        var (fresh, generatorSeed) = HeldOutPairs.Generate(run);
        using var heldOut = fresh;
        var texts = heldOut.Pairs.Select(p => p.Caption).ToList();
        var embed = new EmbedOptions();
        float[] queries;
        using (var encoder = CaptionEncoder.Open(EmbedStage.EncoderOf(run))) queries = EmbedStage.Embed(encoder, texts, embed.BatchSize, embed.BatchTokens);

        float[] reference;
        int[] expertOf;
        string how;
        if (File.Exists(run.FineCenters) && File.Exists(run.FineToCoarse))
        {
            reference = Npy.ReadMatrix(run.FineCenters).Data;
            expertOf = Npy.ReadVector(run.FineToCoarse);
            how = "nearest fine center";
        }
        else
        {
            var expertOfPair = new int[embedded.Max() + 1];
            foreach (var e in experts) foreach (int pair in e.Rows) expertOfPair[pair] = e.Expert;
            reference = embeddings;
            expertOf = [.. embedded.Select(pair => expertOfPair[pair])];
            how = "nearest embedded training caption (the run keeps no cluster/ files)";
        }
        int[] cluster;
        using (var scope = torch.NewDisposeScope())
        {
            var q = torch.tensor(queries, [texts.Count, dimension]);
            var r = torch.tensor(reference, [reference.Length / dimension, dimension]);
            cluster = [.. q.matmul(r.t()).argmax(1).data<long>().ToArray().Select(i => expertOf[i])];
        }

        var tokenizer = CaptionTokenizer.Load(run.Tokenizer);
        long[][] tokens = tokenizer.Encode(texts);
        Console.WriteLine($"held-out loss: {HeldOutPairs.Count} fresh pairs (generator seed {generatorSeed}), each given the expert of its {how}; " +
                          $"CLIP loss, eval mode, mean over full batches of {batch} of one cluster's pairs");
        Console.WriteLine($"  {"expert",-10} {"pairs",6} {"batches",7} {"expert",8} {"single",8} {"expert-single",14}");
        using var single = TrainState.Load(run.Model(RunModels.Single));
        foreach (var e in experts)
        {
            int[] rows = [.. Enumerable.Range(0, texts.Count).Where(i => cluster[i] == e.Expert)];
            int batches = rows.Length / batch;
            if (batches == 0) { Console.WriteLine($"  {RunModels.Expert(e.Expert),-10} {rows.Length,6} fewer pairs than one batch"); continue; }
            using var expert = TrainState.Load(run.Model(RunModels.Expert(e.Expert)));
            double own = HeldOutPairs.Loss(expert.Model, heldOut.Images, tokens, rows, batches, batch), all = HeldOutPairs.Loss(single.Model, heldOut.Images, tokens, rows, batches, batch);
            Console.WriteLine($"  {RunModels.Expert(e.Expert),-10} {rows.Length,6} {batches,7} {own,8:F4} {all,8:F4} {own - all,14:F4}");
        }
    }
}
