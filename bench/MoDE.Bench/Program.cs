using System.Diagnostics;
using MoDE.Cluster;
using MoDE.Data;
using MoDE.Embed;

// Benchmarks that compare this project's way of doing a step with a plain reference way, in one process, on
// the same input. Usage: dotnet run --project bench/MoDE.Bench -c Release -- [embed|embed-rss|kmeans] [count]

string which = args.Length > 0 ? args[0] : "embed";
int count = args.Length > 1 ? int.Parse(args[1]) : 0;
switch (which)
{
    case "embed": Embed(count > 0 ? count : 4096); break;
    case "embed-rss": EmbedRss(count > 0 ? count : 200_000); break;
    case "kmeans": KMeansAssign(count > 0 ? count : 50_000); break;
    default: Console.Error.WriteLine($"unknown benchmark '{which}' (embed, embed-rss, kmeans)"); return 1;
}
return 0;

// Caption embedding on a realistic length mix (CaptionMix): a naive loop (fixed order, batch 128, tokenize then
// run, each batch padded to its longest caption) against the embed path (all captions tokenized in parallel,
// batches of similar length). Same encoder and session, same captions, same batch size.
static void Embed(int count)
{
    var captions = CaptionMix.Generate(count);
    using var encoder = CaptionEncoder.MiniLM();
    EmbedStage.Embed(encoder, captions.Take(256).ToList(), 128); // warm-up
    var clock = Stopwatch.StartNew();
    var naive = new float[captions.Count * encoder.Dimension];
    long paddedTokens = 0;
    for (int start = 0; start < captions.Count; start += 128)
    {
        var batch = captions.Skip(start).Take(128).Select(encoder.Tokenize).ToList();
        paddedTokens += (long)batch.Count * batch.Max(t => t.Length);
        encoder.Encode(batch, naive.AsSpan(start * encoder.Dimension, batch.Count * encoder.Dimension));
    }
    double naiveSeconds = clock.Elapsed.TotalSeconds;
    clock.Restart();
    float[] ours = EmbedStage.Embed(encoder, captions, 128);
    double oursSeconds = clock.Elapsed.TotalSeconds;
    double minCosine = Enumerable.Range(0, captions.Count).Min(i => System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(
        naive.AsSpan(i * encoder.Dimension, encoder.Dimension), ours.AsSpan(i * encoder.Dimension, encoder.Dimension)));
    // Useful FLOPs: real tokens only. MiniLM-L6: 6 layers, d = 384, FFN 1536. Per token per layer the matmuls are
    // 4 d^2 (QKV + output) + 2 d 1536 (FFN) multiply-adds = 2 x that in FLOPs; attention adds 4 L d per token
    // (scores and weighted sum over L keys, 2 FLOPs a multiply-add).
    var tokens = captions.Select(c => encoder.Tokenize(c).Length).ToArray();
    const int layers = 6, d = 384, ffn = 1536;
    double flops = tokens.Sum(l => layers * (2.0 * (4.0 * d * d + 2.0 * d * ffn) + 4.0 * l * d) * l) ;
    double matmul = MatmulGflops();
    Console.WriteLine($"embed {captions.Count} mixed-length captions ({tokens.Average():F1} tokens mean, {tokens.Min()}..{tokens.Max()}), " +
        $"all-MiniLM-L6-v2, batch 128, {Environment.ProcessorCount} cores");
    Console.WriteLine($"  naive (fixed order)      {captions.Count / naiveSeconds,8:F0} captions/s  {flops / naiveSeconds / 1e9,6:F1} GFLOP/s (useful; padding {100.0 * (paddedTokens - tokens.Sum()) / paddedTokens:F0}% of tokens)");
    Console.WriteLine($"  ours (length buckets)    {captions.Count / oursSeconds,8:F0} captions/s  {flops / oursSeconds / 1e9,6:F1} GFLOP/s   ratio {naiveSeconds / oursSeconds:F2}x");
    Console.WriteLine($"  machine: 4096x4096 float32 matmul (libtorch) {matmul:F1} GFLOP/s; ours reaches {100 * flops / oursSeconds / 1e9 / matmul:F0}% of it");
    Console.WriteLine($"  lowest cosine between the two outputs: {minCosine:F6}");
}

static double MatmulGflops()
{
    using var a = TorchSharp.torch.rand(4096, 4096);
    using var b = TorchSharp.torch.rand(4096, 4096);
    using (TorchSharp.torch.matmul(a, b)) { } // warm-up
    var clock = Stopwatch.StartNew();
    const int repeats = 3;
    for (int i = 0; i < repeats; i++) using (TorchSharp.torch.matmul(a, b)) { }
    return repeats * 2.0 * 4096 * 4096 * 4096 / clock.Elapsed.TotalSeconds / 1e9;
}

// Peak memory of the embed stage over many captions (streamed in chunks): a temp run with a pairs file of the
// caption mix, then the stage; prints the peak working set.
static void EmbedRss(int count)
{
    var run = new MoDE.Run.RunLayout(Directory.CreateTempSubdirectory("mode-embed-rss").FullName);
    var captions = CaptionMix.Generate(count);
    Directory.CreateDirectory(Path.GetDirectoryName(run.Pairs)!);
    using (var writer = new StreamWriter(run.Pairs))
        for (int i = 0; i < captions.Count; i++)
            writer.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { id = $"p{i}", caption = captions[i] }));
    captions = null;
    MoDE.Run.StageMarker.MarkDone(run, IngestStage.Name, new { Pairs = count });
    var clock = Stopwatch.StartNew();
    EmbedStage.Run(run, new EmbedOptions(), Console.Out);
    Console.WriteLine($"embed-rss: {count} captions in {clock.Elapsed.TotalSeconds:F0} s, peak working set " +
        $"{Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB ({run.Root})");
}

// Nearest-center assignment: a scalar loop over points and centers against KMeans.Nearest (one GEMM a chunk).
static void KMeansAssign(int count)
{
    const int dimension = 384, k = 256;
    var random = new Random(1);
    var points = Enumerable.Range(0, count * dimension).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
    KMeans.Normalize(points, dimension);
    var centers = points.AsSpan(0, k * dimension).ToArray();
    KMeans.Nearest(points.AsSpan(0, 1000 * dimension).ToArray(), centers, dimension); // warm-up
    var clock = Stopwatch.StartNew();
    var loop = new int[count];
    for (int i = 0; i < count; i++)
    {
        var x = points.AsSpan(i * dimension, dimension);
        float best = float.PositiveInfinity;
        for (int c = 0; c < k; c++)
        {
            float d = System.Numerics.Tensors.TensorPrimitives.Distance(x, centers.AsSpan(c * dimension, dimension));
            if (d < best) { best = d; loop[i] = c; }
        }
    }
    double loopSeconds = clock.Elapsed.TotalSeconds;
    clock.Restart();
    int[] gemm = KMeans.Nearest(points, centers, dimension).Assignment;
    double gemmSeconds = clock.Elapsed.TotalSeconds;
    int agree = Enumerable.Range(0, count).Count(i => loop[i] == gemm[i]);
    double gflop = 2.0 * count * k * dimension / 1e9;
    Console.WriteLine($"assign {count} x {dimension} points to k = {k} centers, {Environment.ProcessorCount} cores");
    Console.WriteLine($"  SIMD loop (TensorPrimitives.Distance)  {loopSeconds:F3} s  {gflop / loopSeconds,6:F1} GFLOP/s");
    Console.WriteLine($"  KMeans.Nearest (libtorch GEMM chunks)  {gemmSeconds:F3} s  {gflop / gemmSeconds,6:F1} GFLOP/s   ratio {loopSeconds / gemmSeconds:F1}x");
    Console.WriteLine($"  same nearest center for {agree}/{count} points" + (agree < count ? " (the rest are near-ties decided by float rounding)" : ""));
}
