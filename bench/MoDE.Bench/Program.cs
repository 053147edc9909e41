using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using MoDE.Cluster;
using MoDE.Data.Ingest;
using MoDE.Data;
using MoDE.Embed;
using MoDE.Tokenizer;

// Benchmarks that compare this project's way of doing a step with a plain reference way, in one process, on
// the same input. Usage: dotnet run --project bench/MoDE.Bench -c Release -- [embed|embed-rss|kmeans|kmeans-parts|matmul|cluster|ingest-decode|ingest-resume] [count]
// or: bpe [MAX_REFERENCE_SECONDS] (BPE training with one long word, incremental against the reference trainer)
// or: train PRESET THREADS [WARMUP_STEPS] [STEPS] [BATCH] (run by bench/train_peers.py against PyTorch), or: checkpoint [PRESET], or: openclip-export [PRESET]
// or: direct FOLDER shards|ingest|train|alternate|loader [stored|source] [PAIRS] [STEPS] [BATCH] (training from stored pixels or from the source's shards)
// or: openclip-vocab MERGES_FILE (CLIP's own vocabulary against open_clip's ids), openclip-rows MERGES_FILE CAPTIONS_JSONL OUT_NPY, openclip-features run RUN MODEL WORK | preset PRESET MERGES WORK | load PRESET CHECKPOINT MERGES WORK (bench/open_clip_check.py), or: scale-train RUN [STEPS] [alone], scale-eval RUN, scale-batches RUN [STEPS] (a large built-in run; bench/scale.sh runs them, CorpusScale.cs says what they measure)
// or: retrieval-eval before|after|both [IMAGES] (the eval stage's scoring of a retrieval set, 5 captions per image)
// or: false-negatives RUN [THRESHOLD] [BATCH] (near-duplicate captions inside each model's training batches, FalseNegatives.cs)
// or: held-out-curve RUN STATE... (the CLIP loss of training states on fresh pairs of a built-in run's generator, bench/converged.sh)
// or: seed-embeddings BASE OUT text|image (BASE's experts again, clustered by the seed model's own embeddings, SeedEmbeddings.cs)
// or: serve-load RUN [REQUESTS] [WORK] (mode serve at concurrency 1, 8 and 32, routed experts against the single model, ServeLoad.cs)

string which = args.Length > 0 ? args[0] : "embed";
int count = args.Length > 1 && int.TryParse(args[1], out int given) ? given : 0;
switch (which)
{
    case "embed": Embed(count > 0 ? count : 4096); break;
    case "embed-rss": EmbedRss(count > 0 ? count : 200_000); break;
    case "kmeans": KMeansAssign(count > 0 ? count : 50_000); break;
    case "matmul": Matmul(); break;
    case "kmeans-parts": KMeansParts(); break;
    case "ingest-decode": IngestDecode(count > 0 ? count : 1000); break;
    case "ingest-resume": MoDE.Bench.IngestResume.Run(count > 0 ? count : 4000); break;
    case "cluster": TwoStep(count > 0 ? count : 1_000_000); break;
    case "train": TrainThroughput(args.Length > 1 ? args[1] : "tiny", args.Length > 2 ? int.Parse(args[2]) : 2,
        args.Length > 3 ? int.Parse(args[3]) : 5, args.Length > 4 ? int.Parse(args[4]) : 20, args.Length > 5 ? int.Parse(args[5]) : 256); break;
    case "checkpoint": Checkpoint(args.Length > 1 ? args[1] : "ViT-B-32"); break;
    case "openclip-export": OpenClipExport(args.Length > 1 ? args[1] : "ViT-B-32"); break;
    case "bpe": BytePairEncoding(count > 0 ? count : 120); break;
    case "kmeans-fit": KMeansFit(args[1], args.Length > 2 ? int.Parse(args[2]) : 1024, args.Length > 3 ? int.Parse(args[3]) : 10); break;
    case "scale-train": MoDE.Bench.CorpusScale.Train(args[1], args.Length > 2 ? int.Parse(args[2]) : 200, args.Length > 3 && args[3] == "alone"); break;
    case "openclip-vocab": return MoDE.Bench.OpenClipVocabulary.Run(args[1]);
    case "openclip-rows": return MoDE.Bench.OpenClipVocabulary.Rows(args[1], args[2], args[3]);
    case "openclip-features": return MoDE.Bench.OpenClipFeatures.Run(args[1..]);
    case "scale-eval": MoDE.Bench.CorpusScale.Eval(args[1]); break;
    case "scale-batches": MoDE.Bench.CorpusScale.Batches(args[1], args.Length > 2 ? int.Parse(args[2]) : 200); break;
    case "false-negatives": return MoDE.Bench.FalseNegatives.Run(args[1..]);
    case "held-out-curve": return MoDE.Bench.HeldOutCurve.Run(args[1..]);
    case "seed-embeddings": return MoDE.Bench.SeedEmbeddings.Run(args[1..]);
    case "serve-load": return MoDE.Bench.ServeLoad.Run(args[1..]);
    case "retrieval-eval": RetrievalEval(args.Length > 1 ? args[1] : "both", args.Length > 2 ? int.Parse(args[2]) : 5000); break;
    case "batches": Batches(count > 0 ? count : 24_000, args.Length > 2 ? int.Parse(args[2]) : 32, args.Length > 3 ? int.Parse(args[3]) : 2); break;
    case "direct": Direct(args[1], args[2], args.Length > 3 ? args[3] : "stored", args.Length > 4 ? int.Parse(args[4]) : 20_000,
        args.Length > 5 ? int.Parse(args[5]) : 5, args.Length > 6 ? int.Parse(args[6]) : 8); break;
    default: Console.Error.WriteLine($"unknown benchmark '{which}' (embed, embed-rss, kmeans, kmeans-fit, train, checkpoint, openclip-export, openclip-vocab, openclip-rows, openclip-features, kmeans-parts, matmul, cluster, ingest-decode, ingest-resume, bpe, batches, direct, scale-train, scale-eval, scale-batches, retrieval-eval, false-negatives, held-out-curve, seed-embeddings, serve-load)"); return 1;
}
return 0;

// The eval stage's scoring (EvalStage.Score) of one retrieval set: IMAGES random 32x32 images with 5 seeded captions each
// (CaptionMix), 4 experts, the single model and the baseline (tiny preset, random init, each its own seed), routed
// weights per task and per query drawn at random. "before" scores it as the stage did before it streamed (every model's
// whole [images x captions] matrix, WholeMatrixEvaluation, the tests' reference), "after" block by block (ScoreBlocks),
// "both" runs the two and checks that every metric of every method is the same. Run "before" and "after" under
// /usr/bin/time -v for the peak RSS of each; the features (TaskFeatures.Of, the same for both) are timed apart and
// kept in the temp folder for the next run.
static void RetrievalEval(string which, int images)
{
    const int perImage = 5, experts = 4;
    var random = new Random(16);
    var pixels = new byte[images * 32 * 32 * ImageSet.Channels];
    random.NextBytes(pixels);
    var captions = CaptionMix.Generate(images * perImage);
    var task = new MoDE.Eval.RetrievalTask("retrieval", new ImageSet(images, 32, 32, pixels), captions,
        Enumerable.Range(0, captions.Count).Select(j => j / perImage).ToArray());
    // The features take minutes on 2 cores and are the same for both ways: computed once, kept in the temp folder.
    string cache = Path.Combine(Path.GetTempPath(), $"mode-retrieval-eval-{images}");
    string File(int model, string side) => Path.Combine(cache, $"{model}-{side}.npy");
    var clock = Stopwatch.StartNew();
    bool cached = System.IO.File.Exists(File(experts + 1, "texts"));
    if (!cached)
    {
        var tokenizer = CaptionTokenizer.Build(captions, contextLength: 32);
        Directory.CreateDirectory(cache);
        for (int m = 0; m < experts + 2; m++)
        {
            using var model = new MoDE.Model.Clip(MoDE.Model.ClipConfig.Tiny(tokenizer.VocabSize), seed: m);
            var f = MoDE.Eval.TaskFeatures.Of(model, tokenizer, task);
            MoDE.Storage.Npy.Write(File(m, "images"), f.Images.SelectMany(x => x).ToArray(), f.Images.Length, f.Images[0].Length);
            MoDE.Storage.Npy.Write(File(m, "texts"), f.Texts.SelectMany(x => x).ToArray(), f.Texts.Length, f.Texts[0].Length);
        }
    }
    float[][] Rows(string path) { var (data, rows, columns) = MoDE.Storage.Npy.ReadMatrix(path); return Enumerable.Range(0, rows).Select(r => data[(r * columns)..((r + 1) * columns)]).ToArray(); }
    var features = Enumerable.Range(0, experts + 2).Select(m => new[] { new MoDE.Eval.TaskFeatures(Rows(File(m, "images")), Rows(File(m, "texts"))) }).ToArray();
    double featureSeconds = clock.Elapsed.TotalSeconds;
    double[] Weights() { var w = Enumerable.Range(0, experts).Select(_ => random.NextDouble()).ToArray(); return w.Select(x => x / w.Sum()).ToArray(); }
    var routings = MoDE.Route.RoutingOptions.All;
    var taskWeights = routings.Select(_ => new[] { Weights() }).ToArray();
    var queryWeights = routings.Select(_ => new[] { captions.Select(_ => Weights()).ToArray() }).ToArray();
    Console.WriteLine($"retrieval-eval {which}: {images} images x {captions.Count} captions, {experts} experts + single + baseline (tiny, d = {features[0][0].Images[0].Length}), " +
                      $"{routings.Count} routings, {Environment.ProcessorCount} cores; features {(cached ? "read" : "computed")} in {featureSeconds:F1} s ({cache})");
    MoDE.Eval.Results? before = null, after = null;
    if (which is "before" or "both")
    {
        clock.Restart();
        before = MoDE.Tests.Eval.WholeMatrixEvaluation.Score([task], features, taskWeights, queryWeights);
        Console.WriteLine($"  before (whole matrices)   {clock.Elapsed.TotalSeconds,7:F1} s");
    }
    if (which is "after" or "both")
    {
        clock.Restart();
        after = MoDE.Eval.EvalStage.Score([task], features, taskWeights, queryWeights);
        Console.WriteLine($"  after (blocks of images)  {clock.Elapsed.TotalSeconds,7:F1} s");
    }
    foreach (var m in (after ?? before)!.Methods)
        Console.WriteLine($"  {m.Name,-22} " + string.Join("  ", m.Metrics![0].Select(p => $"{p.Key} {100 * p.Value:F2}")));
    if (before is not null && after is not null)
    {
        bool same = before.Methods.Zip(after.Methods).All(p => p.First.Name == p.Second.Name && p.First.Metrics![0].SequenceEqual(p.Second.Metrics![0]));
        Console.WriteLine(same ? "  every metric of every method identical" : "  METRICS DIFFER");
    }
    Console.WriteLine($"  peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e9:F2} GB");
}

// A model of an open_clip preset exported to open_clip_model.safetensors and imported into a model of another seed:
// the file's size, the time of each way, and the largest weight difference after the round trip (0 when exact).
static void OpenClipExport(string preset)
{
    string folder = Directory.CreateTempSubdirectory("mode-openclip").FullName, path = Path.Combine(folder, MoDE.Model.OpenClipCheckpoint.FileName);
    try
    {
        var config = MoDE.Model.ClipConfig.Resolve(preset, vocabSize: 49408, imageSize: 224);
        using var source = new MoDE.Model.Clip(config, seed: 1);
        using var target = new MoDE.Model.Clip(config, seed: 2);
        var clock = Stopwatch.StartNew();
        MoDE.Model.OpenClipCheckpoint.Save(source, path);
        double save = clock.Elapsed.TotalSeconds;
        clock.Restart();
        MoDE.Model.OpenClipCheckpoint.Load(target, path);
        double load = clock.Elapsed.TotalSeconds;
        double difference = source.parameters().Zip(target.parameters()).Max(p => (p.First - p.Second).abs().max().item<float>());
        Console.WriteLine($"openclip-export {preset}: {source.ParameterCount:N0} parameters, {new FileInfo(path).Length / 1e9:F3} GB, " +
                          $"save {save:F2} s, load {load:F2} s, max weight difference after the round trip {difference}, {Environment.ProcessorCount} cores");
    }
    finally { Directory.Delete(folder, recursive: true); }
}

// A training state of an open_clip preset (ViT-B-32: 151M parameters, 1.8 GB with the AdamW moments) saved and
// loaded in format 4, whose payload carries a length and an XXH3 checksum: the save hashes as it writes, the load adds
// one pass over the file to verify it (timed alone, from the page cache the save filled). Then the checksums one could
// pick, on the first 256 MiB of the same file in memory.
static void Checkpoint(string preset)
{
    string folder = Directory.CreateTempSubdirectory("mode-checkpoint").FullName, path = Path.Combine(folder, "state.bin");
    try
    {
        var config = MoDE.Model.ClipConfig.Resolve(preset, vocabSize: 49408, imageSize: 224);
        var clock = Stopwatch.StartNew();
        using (var state = MoDE.Train.TrainState.Create(config, new MoDE.Train.TrainOptions { Model = preset, WarmupSteps = 1 }, totalSteps: 100))
        {
            Console.WriteLine($"checkpoint {preset}: {state.Model.ParameterCount:N0} parameters, built in {clock.Elapsed.TotalSeconds:F1} s, {Environment.ProcessorCount} cores");
            clock.Restart();
            state.Save(path);
        }
        double save = clock.Elapsed.TotalSeconds;
        long bytes = new FileInfo(path).Length;
        clock.Restart();
        using (var file = File.OpenRead(path))
        {
            file.Position = 12; // magic and version
            MoDE.Storage.ChecksummedPayload.Verify(file, path, "training state");
        }
        double verify = clock.Elapsed.TotalSeconds;
        clock.Restart();
        using (MoDE.Train.TrainState.Load(path)) { }
        double load = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  {bytes / 1e9:F2} GB: save {save:F2} s, load {load:F2} s (verifying the checksum {verify:F2} s of it, {bytes / verify / 1e9:F1} GB/s)");

        var sample = new byte[Math.Min(bytes, 256L << 20)];
        using (var file = File.OpenRead(path)) file.ReadExactly(sample);
        foreach (var (name, hash) in new (string, Func<ulong>)[]
                 {
                     ("XXH3 (System.IO.Hashing, chosen)", () => System.IO.Hashing.XxHash3.HashToUInt64(sample)),
                     ("XXH64 (System.IO.Hashing)", () => System.IO.Hashing.XxHash64.HashToUInt64(sample)),
                     ("CRC-64 (System.IO.Hashing)", () => System.IO.Hashing.Crc64.HashToUInt64(sample)),
                     ("CRC-32 (System.IO.Hashing)", () => System.IO.Hashing.Crc32.HashToUInt32(sample)),
                     ("CRC-32C (BitOperations, TensorBoard's)", () => MoDE.Train.TensorBoardEvents.Crc32C(sample)),
                     ("SHA-256 (BCL)", () => BitConverter.ToUInt64(System.Security.Cryptography.SHA256.HashData(sample))),
                 })
        {
            hash();
            clock.Restart();
            hash();
            Console.WriteLine($"  {name,-40} {sample.Length / clock.Elapsed.TotalSeconds / 1e9,6:F1} GB/s, {bytes / (sample.Length / clock.Elapsed.TotalSeconds):F2} s for the whole state");
        }
    }
    finally { Directory.Delete(folder, recursive: true); }
}

// Caption embedding on a realistic length mix (CaptionMix): a naive loop (fixed order, batch 128, tokenize then
// run, each batch padded to its longest caption) against the embed path (all captions tokenized in parallel,
// batches of similar length). Same encoder and session, same captions, same batch size.
static void Embed(int count)
{
    var captions = CaptionMix.Generate(count);
    using var encoder = CaptionEncoder.MiniLM();
    var options = new EmbedOptions();
    EmbedStage.Embed(encoder, captions.Take(256).ToList(), options.BatchSize, options.BatchTokens); // warm-up
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
    float[] ours = EmbedStage.Embed(encoder, captions, options.BatchSize, options.BatchTokens);
    double oursSeconds = clock.Elapsed.TotalSeconds;
    double minCosine = Enumerable.Range(0, captions.Count).Min(i => System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(
        naive.AsSpan(i * encoder.Dimension, encoder.Dimension), ours.AsSpan(i * encoder.Dimension, encoder.Dimension)));
    // Useful FLOPs: real tokens only. MiniLM-L6: 6 layers, d = 384, FFN 1536. Per token per layer the matmuls are
    // 4 d^2 (QKV + output) + 2 d 1536 (FFN) multiply-adds = 2 x that in FLOPs; attention adds 4 L d per token
    // (scores and weighted sum over L keys, 2 FLOPs a multiply-add).
    var tokens = captions.Select(c => encoder.Tokenize(c).Length).ToArray();
    const int layers = 6, d = 384, ffn = 1536;
    double flops = tokens.Sum(l => layers * (2.0 * (4.0 * d * d + 2.0 * d * ffn) + 4.0 * l * d) * l) ;
    double matmul = MatmulRate(4096, 4096, 4096);
    Console.WriteLine($"embed {captions.Count} mixed-length captions ({tokens.Average():F1} tokens mean, {tokens.Min()}..{tokens.Max()}), " +
        $"all-MiniLM-L6-v2, naive batch 128, ours up to {options.BatchSize} captions and {options.BatchTokens} padded tokens, {Environment.ProcessorCount} cores");
    Console.WriteLine($"  naive (fixed order)      {captions.Count / naiveSeconds,8:F0} captions/s  {flops / naiveSeconds / 1e9,6:F1} GFLOP/s (useful; padding {100.0 * (paddedTokens - tokens.Sum()) / paddedTokens:F0}% of tokens)");
    Console.WriteLine($"  ours (length buckets)    {captions.Count / oursSeconds,8:F0} captions/s  {flops / oursSeconds / 1e9,6:F1} GFLOP/s   ratio {naiveSeconds / oursSeconds:F2}x");
    Console.WriteLine($"  machine: 4096x4096 float32 matmul (libtorch) {matmul:F1} GFLOP/s; ours reaches {100 * flops / oursSeconds / 1e9 / matmul:F0}% of it");
    Console.WriteLine($"  lowest cosine between the two outputs: {minCosine:F6}");
}

// Image decoding for ingest on a web-like JPEG mix (PhotoMix), all in memory, to 32x32 RGB: a plain way (full-size
// decode with SKBitmap.Decode, scale the shorter side, center crop; one thread) against ImageDecoder on one thread
// (header check, DCT-scaled JPEG decode, one draw) and ImageDecoder on every core, as the ingest stage runs it.
static void IngestDecode(int count)
{
    var images = MoDE.Bench.PhotoMix.Generate(count);
    var decoder = new ImageDecoder(32, 89_478_485, ImageBackground.White);
    var output = new byte[count * decoder.ImageBytes];
    foreach (var image in images.Take(20)) decoder.Decode(image, output.AsSpan(0, decoder.ImageBytes)); // warm-up
    var clock = Stopwatch.StartNew();
    for (int i = 0; i < count; i++)
    {
        using var full = SkiaSharp.SKBitmap.Decode(images[i]);
        float scale = 32f / Math.Min(full.Width, full.Height);
        using var scaled = full.Resize(new SkiaSharp.SKImageInfo(Math.Max(32, (int)Math.Round(full.Width * scale)), Math.Max(32, (int)Math.Round(full.Height * scale))),
            new SkiaSharp.SKSamplingOptions(SkiaSharp.SKFilterMode.Linear, SkiaSharp.SKMipmapMode.Linear));
        using var crop = new SkiaSharp.SKBitmap();
        scaled.ExtractSubset(crop, SkiaSharp.SKRectI.Create((scaled.Width - 32) / 2, (scaled.Height - 32) / 2, 32, 32));
    }
    double plain = clock.Elapsed.TotalSeconds;
    clock.Restart();
    for (int i = 0; i < count; i++) decoder.Decode(images[i], output.AsSpan(i * decoder.ImageBytes, decoder.ImageBytes));
    double single = clock.Elapsed.TotalSeconds;
    clock.Restart();
    Parallel.For(0, count, i => decoder.Decode(images[i], output.AsSpan(i * decoder.ImageBytes, decoder.ImageBytes)));
    double parallel = clock.Elapsed.TotalSeconds;
    Console.WriteLine($"ingest-decode {count} JPEGs ({images.Average(b => b.Length) / 1024:F0} KiB mean, sides 240..1280) to 32x32 RGB, {Environment.ProcessorCount} cores");
    Console.WriteLine($"  plain (full decode, resize, crop), 1 thread   {count / plain,8:F0} images/s");
    Console.WriteLine($"  ImageDecoder, 1 thread                        {count / single,8:F0} images/s   {plain / single:F2}x");
    Console.WriteLine($"  ImageDecoder, {Environment.ProcessorCount} threads                       {count / parallel,8:F0} images/s   {plain / parallel:F2}x");
}

// k-means on the points in FOLDER/points.npy from the centers in FOLDER/init.npy (both written by
// bench/kmeans_peers.py, which runs faiss and scikit-learn on the same files): seconds per iteration, objective.
static void KMeansFit(string folder, int k, int iterations)
{
    var (points, n, dimension) = MoDE.Storage.Npy.ReadMatrix(Path.Combine(folder, "points.npy"));
    var (init, kInit, _) = MoDE.Storage.Npy.ReadMatrix(Path.Combine(folder, "init.npy"));
    if (kInit != k) throw new ArgumentException($"init.npy holds {kInit} centers, asked for k = {k}");
    var options = new KMeansOptions
    {
        K = k, Iterations = iterations, Metric = KMeansMetric.SquaredEuclidean, Tolerance = 0, MaxPointsPerCentroid = int.MaxValue / k,
    };
    double gflop = 2.0 * n * k * dimension * iterations / 1e9;
    // The AVX-512 kernel (where the CPU has it), then the libtorch GEMM path on the same input.
    foreach (var method in NearestCenterKernel.IsSupported ? new[] { NearestCenterMethod.Kernel, NearestCenterMethod.Gemm } : new[] { NearestCenterMethod.Gemm })
    {
        bool gemm = method == NearestCenterMethod.Gemm;
        var fit = options with { NearestCenter = method };
        KMeans.Fit(points.AsSpan(0, 4 * k * dimension).ToArray(), dimension, fit with { Iterations = 1 }, initialCenters: init); // warm-up
        var clock = Stopwatch.StartNew();
        var result = KMeans.Fit(points, dimension, fit, initialCenters: init);
        double seconds = clock.Elapsed.TotalSeconds;
        double objective = result.Objective(points, method);
        Console.WriteLine($"  per iteration: {string.Join(" ", result.Iterations.Select(i => i.Seconds.ToString("F2")))} s");
        Console.WriteLine($"MoDE.NET {(gemm ? "libtorch-GEMM" : "AVX-512-kernel")}  {seconds / iterations,7:F3} s/iteration  {gflop / seconds,6:F1} GFLOP/s  objective {objective:F2}  ({TorchSharp.torch.get_num_threads()} threads)");
    }
    Console.WriteLine($"matmul rate: 4096x4096x4096 {MatmulRate(4096, 4096, 4096):F1} GFLOP/s; " +
                      $"one assignment chunk ({KMeans.DefaultChunkRows}x{dimension} by {dimension}x{k}) {MatmulRate(KMeans.DefaultChunkRows, dimension, k):F1} GFLOP/s");
}

// GFLOP/s of a float32 [m x inner] by [inner x n] product through libtorch, best of 5 after a warm-up.
static void KMeansParts()
{
    using var scope = TorchSharp.torch.NewDisposeScope();
    var x = TorchSharp.torch.randn(16384, 384);
    var c = TorchSharp.torch.randn(1024, 384);
    var cT = c.t().contiguous();
    var cNorm = c.pow(2).sum(1).unsqueeze(0);
    var sums = TorchSharp.torch.zeros(1024, 384);
    void Time(string name, Action action)
    {
        action();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 10; i++) { using var s = TorchSharp.torch.NewDisposeScope(); action(); }
        Console.WriteLine($"{name,-28} {clock.Elapsed.TotalMilliseconds / 10,8:F2} ms");
    }
    var partial = cNorm.addmm(x, cT, beta: 1, alpha: -2);
    var (_, argmin) = partial.min(1);
    Time("mm", () => x.mm(cT));
    Time("addmm", () => cNorm.addmm(x, cT, beta: 1, alpha: -2));
    Time("min(1)", () => partial.min(1));
    Time("argmin(1)", () => partial.argmin(1));
    Time("x.pow(2).sum(1)", () => x.pow(2).sum(1));
    Time("index_add_", () => sums.index_add_(0, argmin, x, 1));
    Time("argmin to int32 + copy", () => argmin.to_type(TorchSharp.torch.ScalarType.Int32).data<int>().ToArray());
    var xb = x.to(TorchSharp.torch.ScalarType.BFloat16); var cTb = cT.to(TorchSharp.torch.ScalarType.BFloat16);
    Time("mm bf16", () => xb.mm(cTb));
    Time("x to bf16", () => x.to(TorchSharp.torch.ScalarType.BFloat16));
    Time("topk 4", () => partial.topk(4, 1, largest: false));
    var random = new Random(1);
    var points = Enumerable.Range(0, 200_000 * 384).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
    var centers = points[..(1024 * 384)];
    Time("Nearest 200k (12.2 chunks)", () => KMeans.Nearest(points, centers, 384));
    Time("Fit 1 iteration 200k", () => KMeans.Fit(points, 384, new KMeansOptions { K = 1024, Iterations = 1 }, initialCenters: centers));
}

static void Matmul()
{
    foreach (var (m, inner, n) in new[] { (4096, 4096, 4096), (16384, 384, 1024) })
        foreach (var type in new[] { TorchSharp.torch.ScalarType.Float32, TorchSharp.torch.ScalarType.BFloat16 })
            Console.WriteLine($"matmul {m}x{inner} by {inner}x{n} {type}: {MatmulRate(m, inner, n, type):F1} GFLOP/s");
}

static double MatmulRate(int m, int inner, int n, TorchSharp.torch.ScalarType type = TorchSharp.torch.ScalarType.Float32)
{
    using var scope = TorchSharp.torch.NewDisposeScope();
    var a = TorchSharp.torch.randn(m, inner).to(type);
    var b = TorchSharp.torch.randn(inner, n).to(type);
    var c = TorchSharp.torch.empty(m, n, dtype: type);
    c.addmm_(a, b, beta: 0, alpha: 1); // the output is reused: a fresh one per product would time page faults too
    double best = double.MaxValue;
    for (int i = 0; i < 5; i++)
    {
        var clock = Stopwatch.StartNew();
        c.addmm_(a, b, beta: 0, alpha: 1);
        best = Math.Min(best, clock.Elapsed.TotalSeconds);
    }
    return 2.0 * m * inner * n / best / 1e9;
}

// The whole two-step clustering (the MoDE paper's fine then coarse k-means) of N x 384 clustered unit vectors with m = 1024 and n = 4:
// fine k-means fitted on a sample of 256 points per centroid, every point assigned, balanced coarse k-means.
static void TwoStep(int n)
{
    const int dimension = 384, directions = 5000, chunk = 65_536;
    var random = new Random(1);
    var centers = new float[directions * dimension];
    for (int i = 0; i < centers.Length; i++) centers[i] = (float)(random.NextDouble() * 2 - 1);
    // The points go to a .npy file chunk by chunk, as the embed stage writes them; the clustering memory-maps it.
    string folder = Directory.CreateTempSubdirectory("mode-two-step").FullName;
    var parts = new List<string>();
    for (int start = 0; start < n; start += chunk)
    {
        int rows = Math.Min(chunk, n - start);
        var points = new float[rows * dimension];
        for (int i = 0; i < rows; i++)
        {
            int c = random.Next(directions);
            for (int j = 0; j < dimension; j++) points[i * dimension + j] = centers[c * dimension + j] + (float)(random.NextDouble() - 0.5);
        }
        KMeans.Normalize(points, dimension);
        parts.Add(Path.Combine(folder, $"part{parts.Count:D4}.npy"));
        MoDE.Storage.Npy.Write(parts[^1], points, rows, dimension);
    }
    string file = Path.Combine(folder, "captions.npy");
    MoDE.Storage.Npy.ConcatenateRows(file, parts, dimension);
    parts.ForEach(File.Delete);
    GC.Collect();
    long before = Process.GetCurrentProcess().WorkingSet64;
    var options = new ClusterOptions { FineClusters = 1024, CoarseClusters = 4 };
    var clock = Stopwatch.StartNew();
    using var embeddings = MoDE.Storage.NpyMatrix.Open(file);
    var hierarchy = ClusterHierarchy.Fit(embeddings, options);
    double seconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine($"two-step clustering of {n:N0} x {dimension} memory-mapped from {file} ({new FileInfo(file).Length / (1 << 20)} MiB), " +
                      $"m = 1024 (fit on {Math.Min(n, 1024 * 256):N0}, up to {options.FineIterations} iterations, {hierarchy.FineIterations.Count} run), n = 4 balanced: " +
                      $"{seconds:F1} s, peak RSS {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB (before the clustering {before / (1 << 20)} MiB)");
    Console.WriteLine($"  fine fit {hierarchy.FineIterations.Sum(i => i.Seconds):F1} s, coarse fit {hierarchy.CoarseIterations.Sum(i => i.Seconds):F2} s; " +
                      $"expert sizes {string.Join(" / ", hierarchy.ExpertSizes())}");
    Directory.Delete(folder, recursive: true);
}

// Peak memory of the embed stage over many captions (streamed in chunks): a temp run with a pairs file of the
// caption mix, then the stage; prints the peak working set.
static void EmbedRss(int count)
{
    var run = new MoDE.Storage.RunLayout(Directory.CreateTempSubdirectory("mode-embed-rss").FullName);
    var captions = CaptionMix.Generate(count);
    Directory.CreateDirectory(Path.GetDirectoryName(run.Pairs)!);
    using (var writer = new StreamWriter(run.Pairs))
        for (int i = 0; i < captions.Count; i++)
            writer.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { id = $"p{i}", caption = captions[i] }));
    captions = null;
    MoDE.Storage.StageMarker.MarkDone(run, IngestStage.Stage.Name, new { Pairs = count });
    var clock = Stopwatch.StartNew();
    EmbedStage.Run(run, new EmbedOptions(), Console.Out);
    Console.WriteLine($"embed-rss: {count} captions in {clock.Elapsed.TotalSeconds:F0} s, peak working set " +
        $"{Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB ({run.Root})");
}

// Nearest-center assignment: a scalar loop over points and centers against KMeans.Nearest (one GEMM a chunk).
static void KMeansAssign(int count)
{
    const int dimension = 384;
    int k = int.TryParse(Environment.GetEnvironmentVariable("MODE_BENCH_K"), out int kk) ? kk : 256;
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
    double Best(Func<int[]> assign, out int[] assignment)
    {
        assignment = assign();
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++) { var c = Stopwatch.StartNew(); assignment = assign(); best = Math.Min(best, c.Elapsed.TotalSeconds); }
        return best;
    }
    double gemmSeconds = Best(() => KMeans.Nearest(points, centers, dimension, method: NearestCenterMethod.Gemm).Assignment, out int[] gemm);
    double kernelSeconds = NearestCenterKernel.IsSupported
        ? Best(() => KMeans.Nearest(points, centers, dimension, method: NearestCenterMethod.Kernel).Assignment, out _) : double.NaN;
    // The AVX2 code of the kernel (what CPUs without AVX-512 run), on all points at once.
    var packed = new NearestCenterKernel.PackedCenters(centers, dimension);
    double narrowSeconds = NearestCenterKernel.VectorBits >= 256 ? Best(() =>
    {
        var assignment = new int[count];
        NearestCenterKernel.Nearest(points, packed, assignment, new float[count], TorchSharp.torch.get_num_threads(), vectorBits: 256);
        return assignment;
    }, out _) : double.NaN;
    int agree = Enumerable.Range(0, count).Count(i => loop[i] == gemm[i]);
    double gflop = 2.0 * count * k * dimension / 1e9;
    Console.WriteLine($"assign {count} x {dimension} points to k = {k} centers, {Environment.ProcessorCount} cores (GEMM and kernel: best of 3)");
    Console.WriteLine($"  SIMD loop (TensorPrimitives.Distance)  {loopSeconds:F3} s  {gflop / loopSeconds,6:F1} GFLOP/s");
    Console.WriteLine($"  libtorch GEMM chunks + min             {gemmSeconds:F3} s  {gflop / gemmSeconds,6:F1} GFLOP/s   ratio {loopSeconds / gemmSeconds:F1}x");
    Console.WriteLine($"  NearestCenterKernel ({NearestCenterKernel.VectorBits}-bit, fused)   {kernelSeconds:F3} s  {gflop / kernelSeconds,6:F1} GFLOP/s   ratio {loopSeconds / kernelSeconds:F1}x");
    Console.WriteLine($"  NearestCenterKernel (256-bit, fused)   {narrowSeconds:F3} s  {gflop / narrowSeconds,6:F1} GFLOP/s   ratio {loopSeconds / narrowSeconds:F1}x");
    Console.WriteLine($"  same nearest center for {agree}/{count} points" + (agree < count ? " (the rest are near-ties decided by float rounding)" : ""));
}

// Training throughput of OUR trainer (Trainer.Train on a TrainState, batch preparation included) on random data
// shaped like the tiny presets: 32x32 RGB uint8 images, 32-token captions (start, random ids, end, padding) of a
// 2,048-token vocabulary. WARMUP steps untimed, then STEPS timed; prints parseable lines for bench/train_peers.py.
static void TrainThroughput(string preset, int threads, int warmup, int steps, int batch)
{
    const int vocab = MoDE.Tokenizer.CaptionTokenizer.DefaultVocabSize, context = 32, size = 32;
    int count = 4 * batch; // a few batches' worth of pairs, so the sampler gathers rows as in a real run
    var random = new Random(1);
    var pixels = new byte[count * size * size * ImageSet.Channels];
    random.NextBytes(pixels);
    var images = new ImageSet(count, size, size, pixels);
    var tokens = new long[count][];
    for (int i = 0; i < count; i++)
    {
        tokens[i] = new long[context];
        int n = random.Next(4, context - 1);          // caption tokens between start and end
        tokens[i][0] = vocab - 2;                     // start of text
        for (int j = 1; j <= n; j++) tokens[i][j] = random.Next(MoDE.Tokenizer.CaptionTokenizer.SpecialTokenCount, vocab - 2);
        tokens[i][n + 1] = vocab - 1;                 // end of text: the largest id
    }
    var config = MoDE.Model.ClipConfig.Resolve(preset, vocab, size);
    var options = new MoDE.Train.TrainOptions { BatchSize = batch, Threads = threads, WarmupSteps = 1, CropScale = 1 };
    using var state = MoDE.Train.TrainState.Create(config, options, totalSteps: warmup + steps);
    var data = MoDE.Train.TrainingData.All(images, tokens);
    MoDE.Train.Trainer.Train(state, data, warmup);
    var clock = Stopwatch.StartNew();
    MoDE.Train.Trainer.Train(state, data, warmup + steps);
    double seconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine($"params {state.Model.ParameterCount}");
    Console.WriteLine($"threads {TorchSharp.torch.get_num_threads()} interop {TorchSharp.torch.get_num_interop_threads()}");
    Console.WriteLine($"libtorch_config_begin\n{MoDE.Bench.LibTorchConfig.Show()}\nlibtorch_config_end");
    Console.WriteLine($"pairs_per_s {batch * steps / seconds:F1} steps {steps} seconds {seconds:F3} batch {batch} preset {preset}");
}

// Batch preparation (BatchLoader: gather, crop at the default scale, normalize) of COUNT random SIZE px images with
// WORKERS threads, from one in-memory array (how every stage read images before shards) and from the same images
// written as .npy shards and mapped (ImageSet.Open; the page cache warm from the write). 20 batches of 256 untimed,
// then 200 timed, each way; prints pairs per second.
static void Batches(int count, int size, int workers)
{
    const int batch = 256, warmup = 20, steps = 200;
    var pixels = new byte[(long)count * size * size * ImageSet.Channels];
    new Random(1).NextBytes(pixels);
    var memory = new ImageSet(count, size, size, pixels);
    var tokens = Enumerable.Range(0, count).Select(i => new long[] { 1, i, 2 }).ToArray();
    string folder = Path.Combine(Directory.CreateTempSubdirectory("mode-bench-batches-").FullName, "images");
    memory.Save(folder);
    using var mapped = ImageSet.Open(folder);
    foreach (var (name, images) in new[] { ("memory", memory), ("mapped", mapped) })
    {
        var data = MoDE.Train.TrainingData.All(images, tokens);
        double scale = new MoDE.Train.TrainOptions().CropScale;
        using (var loader = new MoDE.Train.BatchLoader(data, batch, 3, scale, 0, warmup, workers))
            for (int s = 0; s < warmup; s++) loader.Take(s);
        var clock = Stopwatch.StartNew();
        using (var loader = new MoDE.Train.BatchLoader(data, batch, 3, scale, warmup, warmup + steps, workers))
            for (int s = warmup; s < warmup + steps; s++) loader.Take(s);
        Console.WriteLine($"{name} pairs_per_s {batch * steps / clock.Elapsed.TotalSeconds:F0} images {count} size {size} workers {workers}");
    }
    Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
}

// Tokenizer training (the default run's 2,048-token vocabulary) on the built-in dataset's captions plus one long
// word of random lower-case letters (seeded), as a hostile caption would bring: the incremental trainer against the
// straightforward reference (tests/MoDE.Tests/Tokenizer/ReferenceBytePairEncodingTrainer.cs), same word counts, merges
// compared. Then encoding that word as a caption: CaptionTokenizer.Encode (words cut at ClipPreTokenizer.MaxWordLength,
// encoding stopped when the row is full) against the library's BpeTokenizer with the same merges and CLIP's uncut word
// pattern, the whole caption encoded then truncated. A reference is skipped at the sizes after one that took over
// MAX_REFERENCE_SECONDS.
static void BytePairEncoding(int maxReferenceSeconds)
{
    var captions = MoDE.Data.Synthetic.SyntheticWeb.GeneratePairs(new MoDE.Data.Synthetic.SyntheticWebOptions()).Pairs.Select(p => p.Caption).ToList();
    var corpus = CaptionTokenizer.WordCounts(captions);
    int newTokens = CaptionTokenizer.DefaultVocabSize - CaptionTokenizer.MinimumVocabSize;
    Console.WriteLine($"bpe: {captions.Count} built-in captions ({corpus.Count} distinct words), {newTokens} new tokens, plus one word of " +
                      $"random letters; {Environment.ProcessorCount} cores");
    BytePairEncodingTrainer.Learn(corpus, newTokens); // warm-up
    bool trainReference = true, encodeReference = true;
    foreach (int size in new[] { 0, 100_000, 400_000, 1_000_000 })
    {
        var random = new Random(size);
        string word = new(Enumerable.Range(0, size).Select(_ => (char)('a' + random.Next(26))).ToArray());
        var counts = new Dictionary<string, long>(corpus);
        if (size > 0) counts[word] = 1;
        var clock = Stopwatch.StartNew();
        var merges = BytePairEncodingTrainer.Learn(counts, newTokens, 2, out long updates);
        double ours = clock.Elapsed.TotalSeconds;
        string reference = "skipped";
        if (trainReference)
        {
            clock.Restart();
            var expected = MoDE.Tests.Tokenizer.ReferenceBytePairEncodingTrainer.Learn(counts, newTokens);
            double seconds = clock.Elapsed.TotalSeconds;
            trainReference = seconds <= maxReferenceSeconds;
            reference = $"{seconds,7:F2} s  ratio {seconds / ours,6:F0}x  merges {(expected.SequenceEqual(merges) ? "identical" : "DIFFER")}";
        }
        Console.WriteLine($"  train, long word {size / 1000,5} KB   incremental {ours,6:F2} s ({updates,9} pair updates)   reference {reference}");
        if (size == 0) continue;

        var tokenizer = CaptionTokenizer.Build(captions.Append(word), contextLength: 77);
        clock.Restart();
        var row = tokenizer.Encode(word);
        ours = clock.Elapsed.TotalSeconds;
        reference = "skipped";
        if (encodeReference)
        {
            var uncut = BpeTokenizer.Create(new BpeOptions(Enumerable.Range(0, tokenizer.VocabSize).Select(i => KeyValuePair.Create(tokenizer.Token(i), i)))
            {
                Merges = tokenizer.Merges.Select(m => $"{m.Left} {m.Right}"),
                Normalizer = ClipTextNormalizer.Instance,
                PreTokenizer = new RegexPreTokenizer(new Regex(@"'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase), null),
                ByteLevel = true,
                EndOfWordSuffix = BytePairEncodingTrainer.EndOfWord,
            });
            clock.Restart();
            var pieces = uncut.EncodeToIds(word).Take(75).Select(i => (long)i);
            double seconds = clock.Elapsed.TotalSeconds;
            encodeReference = seconds <= maxReferenceSeconds;
            reference = $"{seconds,7:F2} s  ratio {seconds / ours,6:F0}x  first pieces {(pieces.SequenceEqual(row[1..76]) ? "identical" : "differ (cut word)")}";
        }
        Console.WriteLine($"  encode that caption        Encode      {ours,6:F4} s                          uncut library {reference}");
    }
}

// Pixels stored or read from the source's shards (PixelStore), at 224 px, one phase a process so `/usr/bin/time -v` gives
// each its peak RSS. shards: PAIRS photo-like 256 px JPEGs (PhotoMix, as img2dataset writes them) with CaptionMix captions
// in WebDataset .tar shards of 1,000 under FOLDER/shards (kept: written once). ingest MODE: FOLDER/MODE from them, 224 px,
// nothing held out; prints the time and the bytes of pairs/images. train MODE: ViT-B-32 at batch BATCH on the CPU, one
// step untimed then STEPS timed (pairs/s); then reading 256 random images through the run's IImageRows (the loader's
// gather, timed alone). alternate: both runs, steps taken in turn from each (same machine load). loader: the same for
// the batch loader alone.
static void Direct(string folder, string phase, string mode, int pairs, int steps, int batch)
{
    const int perShard = 1000, size = 224;
    string shards = Path.Combine(folder, "shards"), run = Path.Combine(folder, mode);
    int count = (pairs + perShard - 1) / perShard;
    var pixels = mode == "source" ? PixelStore.Source : PixelStore.Stored;
    var clock = Stopwatch.StartNew();
    switch (phase)
    {
        case "shards":
            Directory.CreateDirectory(shards);
            var captions = CaptionMix.Generate(pairs);
            long bytes = 0;
            Parallel.For(0, count, s =>
            {
                string path = Path.Combine(shards, $"{s:D5}.tar");
                if (File.Exists(path)) return;
                var images = MoDE.Bench.PhotoMix.Generate(Math.Min(perShard, pairs - s * perShard), seed: 100 + s, side: 256);
                string temp = path + ".tmp";
                using (var tar = new System.Formats.Tar.TarWriter(File.Create(temp), System.Formats.Tar.TarEntryFormat.Pax))
                    for (int i = 0; i < images.Count; i++)
                    {
                        string key = $"{s * perShard + i:D9}";
                        tar.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, $"{key}.jpg") { DataStream = new MemoryStream(images[i]) });
                        tar.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, $"{key}.txt")
                            { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(captions[s * perShard + i])) });
                        Interlocked.Add(ref bytes, images[i].Length);
                    }
                File.Move(temp, path);
            });
            long total = Directory.GetFiles(shards, "*.tar").Sum(f => new FileInfo(f).Length);
            Console.WriteLine($"direct shards: {count} shards of {pairs} pairs, {total / 1e6:F0} MB ({total / (double)pairs / 1e3:F1} KB a pair) in {clock.Elapsed.TotalSeconds:F0} s");
            break;
        case "ingest":
            if (Directory.Exists(run)) Directory.Delete(run, recursive: true);
            var options = new SourceOptions { Source = Path.Combine(shards, $"{{00000..{count - 1:D5}}}.tar"), ImageSize = size, HeldOut = 0, Pixels = pixels };
            var report = IngestStage.Run(new MoDE.Storage.RunLayout(run), options, TextWriter.Null)!;
            long stored = Directory.GetFiles(Path.Combine(run, "pairs", "images")).Sum(f => new FileInfo(f).Length);
            Console.WriteLine($"direct ingest {mode}: {report.Kept} pairs in {clock.Elapsed.TotalSeconds:F1} s (decoding {report.DecodeSeconds:F1} s), " +
                              $"pairs/images {stored / 1e6:F1} MB ({stored / (double)report.Kept:F0} bytes a pair), {Environment.ProcessorCount} cores");
            break;
        case "train":
            var layout = new MoDE.Storage.RunLayout(run);
            var texts = MoDE.Data.PairStore.ReadCaptions(layout.Pairs).Select(p => p.Caption).ToList();
            using (var images = RunImages.Open(layout.Images))
            {
                var tokenizer = CaptionTokenizer.Build(texts, contextLength: 77);
                var config = MoDE.Model.ClipConfig.Resolve("ViT-B-32", tokenizer.VocabSize, size);
                var train = new MoDE.Train.TrainOptions { Model = "ViT-B-32", BatchSize = batch, ContextLength = 77, WarmupSteps = 1 };
                using var state = MoDE.Train.TrainState.Create(config, train, totalSteps: 1 + steps);
                var data = MoDE.Train.TrainingData.All(images, tokenizer.Encode(texts));
                MoDE.Train.Trainer.Train(state, data, 1);
                clock.Restart();
                MoDE.Train.Trainer.Train(state, data, 1 + steps);
                double seconds = clock.Elapsed.TotalSeconds;
                var random = new Random(2);
                int[] rows = [.. Enumerable.Range(0, 256).Select(_ => random.Next(images.Count))];
                var buffer = new byte[rows.Length * images.ImageBytes];
                clock.Restart();
                images.CopyImages(rows, buffer);
                Console.WriteLine($"direct train {mode}: ViT-B-32 batch {batch}, {steps} steps in {seconds:F1} s: {batch * steps / seconds:F2} pairs/s; " +
                                  $"reading 256 random images {clock.Elapsed.TotalMilliseconds:F0} ms ({clock.Elapsed.TotalMilliseconds * 1000 / 256:F0} us an image), {Environment.ProcessorCount} cores");
            }
            break;
        case "alternate":
            // Both runs' images, one model: steps alternate between the stored and the source pixels, so both see the
            // same load on a shared machine. Each step has a loader of its own, so its batch is prepared unhidden.
            var storedLayout = new MoDE.Storage.RunLayout(Path.Combine(folder, "stored"));
            var all = MoDE.Data.PairStore.ReadCaptions(storedLayout.Pairs).Select(p => p.Caption).ToList();
            using (var storedImages = RunImages.Open(storedLayout.Images))
            using (var sourceImages = RunImages.Open(new MoDE.Storage.RunLayout(Path.Combine(folder, "source")).Images))
            {
                var tokenizer = CaptionTokenizer.Build(all, contextLength: 77);
                var tokens = tokenizer.Encode(all);
                var config = MoDE.Model.ClipConfig.Resolve("ViT-B-32", tokenizer.VocabSize, size);
                var train = new MoDE.Train.TrainOptions { Model = "ViT-B-32", BatchSize = batch, ContextLength = 77, WarmupSteps = 1 };
                using var state = MoDE.Train.TrainState.Create(config, train, totalSteps: 1 + 2 * steps);
                var ways = new[] { MoDE.Train.TrainingData.All(storedImages, tokens), MoDE.Train.TrainingData.All(sourceImages, tokens) };
                MoDE.Train.Trainer.Train(state, ways[0], 1);
                var seconds = new double[2];
                for (int step = 1; step < 1 + 2 * steps; step++)
                {
                    clock.Restart();
                    MoDE.Train.Trainer.Train(state, ways[step % 2], step + 1);
                    seconds[step % 2] += clock.Elapsed.TotalSeconds;
                }
                Console.WriteLine($"direct alternate: ViT-B-32 batch {batch}, {steps} steps each: stored {batch * steps / seconds[0]:F2} pairs/s, source {batch * steps / seconds[1]:F2} pairs/s, {Environment.ProcessorCount} cores");
            }
            break;
        case "loader":
            // The batch loader alone (gather, crop, normalize; 2 workers), BATCH pairs a batch, STEPS batches each way in
            // turn: what the images cost a step when no model waits for them.
            using (var storedImages = RunImages.Open(Path.Combine(folder, "stored", "pairs", "images")))
            using (var sourceImages = RunImages.Open(Path.Combine(folder, "source", "pairs", "images")))
            {
                var tokens = Enumerable.Range(0, storedImages.Count).Select(i => new long[] { 1, i, 2 }).ToArray();
                var ways = new[] { MoDE.Train.TrainingData.All(storedImages, tokens), MoDE.Train.TrainingData.All(sourceImages, tokens) };
                var seconds = new double[2];
                for (int step = 0; step < 2 * steps; step++)
                {
                    clock.Restart();
                    using (var loader = new MoDE.Train.BatchLoader(ways[step % 2], batch, 3, 0.9, step / 2, step / 2 + 1, workers: 2)) loader.Take(step / 2);
                    seconds[step % 2] += clock.Elapsed.TotalSeconds;
                }
                Console.WriteLine($"direct loader: batch {batch}, {steps} batches each: stored {batch * steps / seconds[0]:F0} pairs/s, source {batch * steps / seconds[1]:F0} pairs/s, {Environment.ProcessorCount} cores");
            }
            break;
        default: throw new ArgumentException($"unknown phase '{phase}' (shards, ingest, train, alternate, loader)");
    }
}
