using System.Text.Json;
using MoDE.Data;
using MoDE.Run;

namespace MoDE.Embed;

/// <summary>
/// Stage 1: every caption through the caption encoder. Pairs whose caption is empty or whitespace are skipped
/// (as the paper does) and counted. Writes the normalized vectors (float32 [embedded, dim]) and, beside them,
/// the pair row of each vector.
/// </summary>
public static class EmbedStage
{
    public const string Name = "embed";

    public sealed record Report(int Pairs, int Embedded, int SkippedEmpty, int InvalidUnicodeReplaced, int Dimension, string Encoder, string Pooling,
        double Seconds, double CaptionsPerSecond);

    /// <summary>
    /// The encoder the run's captions were embedded with (from embed/report.json), so later stages embed class
    /// names with the same one. Runs without a report used the default.
    /// </summary>
    public static string EncoderOf(RunLayout run)
    {
        if (!File.Exists(run.EmbedReport)) return CaptionEncoder.DefaultName;
        var report = JsonSerializer.Deserialize<Report>(File.ReadAllText(run.EmbedReport));
        return string.IsNullOrWhiteSpace(report?.Encoder) ? CaptionEncoder.DefaultName : report.Encoder;
    }

    public static void Run(RunLayout run, EmbedOptions options, TextWriter log)
    {
        options.Validate();
        if (StageMarker.IsDone(run, Name, options)) { log.WriteLine("embed: done already, skipped"); return; }
        StageMarker.Require(run, Name, IngestStage.Name);
        var pairs = PairStore.ReadCaptions(run.Pairs);
        int[] rows = Enumerable.Range(0, pairs.Count).Where(i => !string.IsNullOrWhiteSpace(pairs[i].Caption)).ToArray();
        int invalid = 0;
        var captions = rows.Select(r =>
        {
            string text = CaptionText.ReplaceInvalid(pairs[r].Caption, out int replaced);
            invalid += replaced;
            return text;
        }).ToList();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var encoder = CaptionEncoder.Open(options.Encoder, options.Threads);
        float[] vectors = Embed(encoder, captions, options.BatchSize, new ConsoleProgress("embed", rows.Length, log));
        double seconds = clock.Elapsed.TotalSeconds;
        Npy.Write(run.CaptionEmbeddings, vectors, rows.Length, encoder.Dimension);
        Npy.Write(run.EmbeddedPairs, rows);
        var report = new Report(pairs.Count, rows.Length, pairs.Count - rows.Length, invalid, encoder.Dimension, options.Encoder, encoder.Pooling.ToString(), seconds, rows.Length / Math.Max(seconds, 1e-9));
        AtomicFile.WriteAllText(run.EmbedReport, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        StageMarker.MarkDone(run, Name, options);
        log.WriteLine($"embed: {rows.Length} captions in {seconds:F1} s ({report.CaptionsPerSecond:F0}/s), {report.SkippedEmpty} empty skipped, {invalid} invalid UTF-16 code units replaced");
    }

    /// <summary>
    /// Embeds captions in batches of similar token length (little padding); the result is in input order,
    /// row i for caption i, and does not depend on how captions were batched.
    /// </summary>
    public static float[] Embed(CaptionEncoder encoder, IReadOnlyList<string> captions, int batchSize, ConsoleProgress? progress = null)
    {
        var tokens = new int[captions.Count][];
        Parallel.For(0, captions.Count, i => tokens[i] = encoder.Tokenize(captions[i]));
        int[] order = Enumerable.Range(0, captions.Count).OrderBy(i => tokens[i].Length).ThenBy(i => i).ToArray();
        int dim = encoder.Dimension;
        var result = new float[(long)captions.Count * dim];
        var buffer = new float[batchSize * dim];
        for (int start = 0; start < order.Length; start += batchSize)
        {
            int count = Math.Min(batchSize, order.Length - start);
            var batch = order.AsSpan(start, count).ToArray();
            encoder.Encode(batch.Select(i => tokens[i]).ToList(), buffer.AsSpan(0, count * dim));
            for (int b = 0; b < count; b++)
                buffer.AsSpan(b * dim, dim).CopyTo(result.AsSpan(batch[b] * dim, dim));
            progress?.Report(start + count);
        }
        return result;
    }
}
