using System.Text.Json;
using MoDE.Data.Ingest;
using MoDE.Data;
using MoDE.Storage;

namespace MoDE.Embed;

/// <summary>
/// Stage 1: every caption through the caption encoder. Pairs whose caption is empty or whitespace are skipped
/// (as the paper does) and counted. Writes the normalized vectors (float32 [embedded, dim]) and, beside them,
/// the pair row of each vector.
/// </summary>
public static class EmbedStage
{
    /// <summary>One normalized vector per non-empty caption, from the ingested pairs.</summary>
    public static readonly Stage Stage = new("embed", [IngestStage.Stage], run => [run.CaptionEmbeddings, run.EmbeddedPairs, run.EmbedReport]);

    public sealed record Report(int Pairs, int Embedded, int SkippedEmpty, int InvalidUnicodeReplaced, int Dimension, string Encoder, string Pooling,
        double Seconds, double CaptionsPerSecond);

    /// <summary>
    /// The encoder the run's captions were embedded with (from embed/report.json), so later stages embed class
    /// names with the same one. Runs without a report used the default.
    /// </summary>
    public static string EncoderOf(RunLayout run)
    {
        if (!File.Exists(run.EmbedReport)) return CaptionEncoder.DefaultName;
        var report = JsonFile.Read<Report>(run.EmbedReport);
        return string.IsNullOrWhiteSpace(report.Encoder) ? CaptionEncoder.DefaultName : report.Encoder;
    }

    /// <summary>
    /// Embeds in chunks of <see cref="EmbedOptions.ChunkSize"/> captions, each written atomically to
    /// embed/chunks/NNNNN.npy; a rerun after a kill keeps finished chunks and computes the rest. The next chunk is
    /// tokenized while the current one runs. At the end the chunks are streamed into embed/captions.npy.
    /// <paramref name="chunkWritten"/> is a test hook called after each chunk file lands. With a
    /// <paramref name="shard"/>, only that share of the chunks is computed (one task of a Slurm job array, holding its
    /// share of the stage: <see cref="StageLock"/>) and the stage is not finished: a later run without a shard
    /// concatenates. The options are recorded when the first chunk is planned, so a rerun with other options is refused
    /// rather than mixing chunks.
    /// </summary>
    public static void Run(RunLayout run, EmbedOptions options, TextWriter log, CancellationToken cancel = default, Action<int>? chunkWritten = null,
        EmbedShard? shard = null)
    {
        options.Validate();
        using var hold = Stage.Begin(run, options, log, shard is null ? null : $"chunks {shard}");
        if (hold is null) return;
        var (rows, pairCount, invalid) = CountCaptions(run.Pairs);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var encoder = CaptionEncoder.Open(options.Encoder, options.Threads, options.Device);
        Stage.MarkStarted(run, options);
        PrepareChunkFolder(run, options, rows.Length, clearUnplanned: shard is null);
        int chunks = (rows.Length + options.ChunkSize - 1) / options.ChunkSize, dim = encoder.Dimension, computed = 0;
        var progress = new ConsoleProgress("embed", rows.Length, log);
        int[][] Tokenize(int chunk)
        {
            if (chunk >= chunks || File.Exists(run.EmbedChunk(chunk)) || shard?.Owns(chunk) == false) return [];
            int count = Math.Min(options.ChunkSize, rows.Length - chunk * options.ChunkSize);
            var texts = NextCaptions(chunk, count);
            var tokens = new int[count][];
            Parallel.For(0, count, i => tokens[i] = encoder.Tokenize(texts[i]));
            return tokens;
        }
        // One forward reader over the non-empty captions: chunks are read in increasing order, one at a time (the task
        // reading chunk c + 1 starts after the one reading chunk c ended), and a chunk not computed here is skipped over.
        using var captions = PairStore.StreamCaptions(run.Pairs).Select(p => p.Caption).Where(c => !string.IsNullOrWhiteSpace(c)).GetEnumerator();
        int nextChunk = 0;
        string[] NextCaptions(int chunk, int count)
        {
            for (; nextChunk < chunk; nextChunk++)
                for (int i = Math.Min(options.ChunkSize, rows.Length - nextChunk * options.ChunkSize); i > 0; i--) Advance();
            nextChunk++;
            var texts = new string[count];
            for (int i = 0; i < count; i++) texts[i] = CaptionText.ReplaceInvalid(Advance(), out _);
            return texts;
        }
        string Advance() => captions.MoveNext() ? captions.Current
            : throw new InvalidDataException($"{run.Pairs}: fewer non-empty captions than the {rows.Length} counted when the stage began (the file changed)");
        var next = Task.Run(() => Tokenize(0));
        try
        {
            for (int chunk = 0; chunk < chunks; chunk++)
            {
                cancel.ThrowIfCancellationRequested();
                int[][] tokens = next.GetAwaiter().GetResult();
                int following = chunk + 1; // not the loop variable: the task must not see it move
                next = Task.Run(() => Tokenize(following)); // overlaps the next chunk's tokenization with this chunk's inference
                int done = Math.Min((chunk + 1) * options.ChunkSize, rows.Length);
                if (tokens.Length == 0) { progress.Report(done); continue; } // finished before a kill
                float[] vectors = EmbedTokens(encoder, tokens, options.BatchSize, options.BatchTokens);
                if (options.Precision == EmbeddingPrecision.Float16) Npy.WriteHalf(run.EmbedChunk(chunk), vectors, tokens.Length, dim);
                else Npy.Write(run.EmbedChunk(chunk), vectors, tokens.Length, dim);
                computed += tokens.Length;
                progress.Report(done);
                chunkWritten?.Invoke(chunk);
            }
        }
        finally { ((IAsyncResult)next).AsyncWaitHandle.WaitOne(); } // the reader is disposed only after the last read ended
        double seconds = clock.Elapsed.TotalSeconds;
        if (shard is not null)
        {
            log.WriteLine($"embed chunks {shard}: {computed} captions computed now in {seconds:F1} s; `mode embed` without --chunks concatenates");
            return;
        }
        Npy.ConcatenateRows(run.CaptionEmbeddings, Enumerable.Range(0, chunks).Select(run.EmbedChunk).ToList(), dim);
        Npy.Write(run.EmbeddedPairs, rows);
        var report = new Report(pairCount, rows.Length, pairCount - rows.Length, invalid,
            dim, options.Encoder, encoder.Pooling.ToString(), seconds, computed / Math.Max(seconds, 1e-9));
        AtomicFile.WriteAllText(run.EmbedReport, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        Stage.Finish(run, options);
        log.WriteLine($"embed: {rows.Length} captions ({computed} computed now) in {seconds:F1} s ({report.CaptionsPerSecond:F0}/s), " +
            $"{report.SkippedEmpty} empty skipped, {invalid} invalid UTF-16 code units replaced");
    }

    /// <summary>
    /// First pass over the pairs: the row of every non-empty caption, the pair count and the lone surrogates the
    /// encoder will see replaced. The captions themselves are read again chunk by chunk, so the stage holds one chunk
    /// of them (and the one ahead), never the corpus.
    /// </summary>
    static (int[] Rows, int Pairs, int InvalidUnicode) CountCaptions(string path)
    {
        var rows = new List<int>();
        int pairs = 0, invalid = 0;
        foreach (var pair in PairStore.StreamCaptions(path))
        {
            if (!string.IsNullOrWhiteSpace(pair.Caption))
            {
                rows.Add(pairs);
                CaptionText.ReplaceInvalid(pair.Caption, out int replaced);
                invalid += replaced;
            }
            pairs++;
        }
        return (rows.ToArray(), pairs, invalid);
    }

    /// <summary>
    /// Chunks are only valid for the encoder, chunk size, precision and caption count that wrote them
    /// (embed/chunks/plan.json); any other plan clears the folder. The batch options are not part of the plan: they
    /// change no vector. Tasks of a job array start together, so they clear the folder only when its plan is another
    /// one (<paramref name="clearUnplanned"/> false), never merely because another task has not written the plan yet.
    /// (Leftover temp files of a killed write are removed when the stage is taken: <see cref="Stage.Hold"/>.)
    /// </summary>
    static void PrepareChunkFolder(RunLayout run, EmbedOptions options, int count, bool clearUnplanned = true)
    {
        string planPath = Path.Combine(run.EmbedChunksFolder, "plan.json");
        string plan = JsonSerializer.Serialize(new { options.Encoder, options.ChunkSize, Precision = options.Precision.ToString(), Captions = count });
        bool planned = File.Exists(planPath);
        if (Directory.Exists(run.EmbedChunksFolder) && (planned ? File.ReadAllText(planPath) != plan : clearUnplanned))
            Directory.Delete(run.EmbedChunksFolder, recursive: true);
        Directory.CreateDirectory(run.EmbedChunksFolder);
        if (!File.Exists(planPath)) AtomicFile.WriteAllText(planPath, plan);
    }

    /// <summary>
    /// Embeds captions in batches of similar token length (little padding); the result is in input order,
    /// row i for caption i, and does not depend on how captions were batched.
    /// </summary>
    public static float[] Embed(CaptionEncoder encoder, IReadOnlyList<string> captions, int batchSize, int batchTokens = int.MaxValue, ConsoleProgress? progress = null)
    {
        var tokens = new int[captions.Count][];
        Parallel.For(0, captions.Count, i => tokens[i] = encoder.Tokenize(captions[i]));
        return EmbedTokens(encoder, tokens, batchSize, batchTokens, progress);
    }

    /// <summary>
    /// Tokenized captions embedded in batches of similar length, shortest first; a batch holds at most
    /// <paramref name="batchSize"/> captions and <paramref name="batchTokens"/> padded tokens (always one caption at
    /// least). Row i for caption i.
    /// </summary>
    public static float[] EmbedTokens(CaptionEncoder encoder, int[][] tokens, int batchSize, int batchTokens = int.MaxValue, ConsoleProgress? progress = null)
    {
        int[] order = Enumerable.Range(0, tokens.Length).OrderBy(i => tokens[i].Length).ThenBy(i => i).ToArray();
        int dim = encoder.Dimension;
        var result = new float[(long)tokens.Length * dim];
        var buffer = new float[batchSize * dim];
        for (int start = 0, count; start < order.Length; start += count)
        {
            count = 1; // the batch's longest caption is its last: lengths increase along the order
            while (count < batchSize && start + count < order.Length && (long)(count + 1) * tokens[order[start + count]].Length <= batchTokens) count++;
            var batch = order.AsSpan(start, count).ToArray();
            encoder.Encode(batch.Select(i => tokens[i]).ToList(), buffer.AsSpan(0, count * dim));
            for (int b = 0; b < count; b++)
                buffer.AsSpan(b * dim, dim).CopyTo(result.AsSpan(batch[b] * dim, dim));
            progress?.Report(start + count);
        }
        return result;
    }
}
