using System.Diagnostics;
using MoDE.Data;

namespace MoDE.Data.Ingest;

/// <summary>
/// Reads a source (<see cref="PairSource"/>), decodes every image once, in parallel, to the training size
/// (<see cref="ImageDecoder"/>), and writes the standard pairs: captions as pairs.jsonl and pixels as the images
/// file, row i = image i, so training reads no JPEG. Records are read in chunks; the next chunk is read while
/// the current one decodes, and chunks are written in reading order, so the output does not depend on the
/// number of threads. Ids seen before are skipped as <see cref="SkipReason.DuplicateId"/> (the first is kept).
/// Nothing is written when no pair survives (the report still says why).
/// </summary>
public static class SourceIngest
{
    /// <summary>Records decoded together: enough to keep every core busy, few enough that a chunk of large tar members fits in memory.</summary>
    public const int ChunkSize = 256;

    public static IngestReport Run(SourceOptions options, string captionsPath, string imagesPath, TextWriter log, CancellationToken stop = default)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        var report = new IngestReport { Source = options.Source, Format = options.Format.ToString(), ImageSize = options.ImageSize };
        var readers = PairSource.Open(options, report);
        report.Files = readers.Count;
        int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        report.Threads = threads;
        var decoder = new ImageDecoder(options.ImageSize, options.MaxPixels, options.Background);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var records = readers.SelectMany(r => r.Read(report)).Where(r =>
        {
            if (ids.Add(r.Id)) return true;
            report.Skip(SkipReason.DuplicateId, r.Id);
            return false;
        });

        var pairs = new List<Pair>();
        var decodeClock = new Stopwatch();
        var lastLine = TimeSpan.Zero;
        using var enumerator = records.GetEnumerator();
        using var writer = new ImageSetWriter(imagesPath, options.ImageSize, options.ImageSize);
        List<SourceRecord> Take()
        {
            var chunk = new List<SourceRecord>(ChunkSize);
            while (chunk.Count < ChunkSize && enumerator.MoveNext()) chunk.Add(enumerator.Current);
            return chunk;
        }
        var next = Task.Run(Take);
        try
        {
            bool full = false;
            while (!full)
            {
                stop.ThrowIfCancellationRequested();
                var chunk = next.GetAwaiter().GetResult();
                if (chunk.Count == 0) break;
                next = Task.Run(Take); // read ahead while this chunk decodes
                int imageBytes = decoder.ImageBytes;
                var pixels = new byte[chunk.Count * imageBytes];
                var results = new (SkipReason Reason, string? Detail)?[chunk.Count];
                decodeClock.Start();
                Parallel.For(0, chunk.Count, new ParallelOptions { MaxDegreeOfParallelism = threads },
                    i => results[i] = Decode(chunk[i], decoder, options.MaxImageBytes, pixels.AsSpan(i * imageBytes, imageBytes)));
                decodeClock.Stop();
                report.Decoded += chunk.Count;
                for (int i = 0; i < chunk.Count; i++)
                {
                    if (results[i] is { } skip) { report.Skip(skip.Reason, chunk[i].Id, skip.Detail); continue; }
                    writer.Add(pixels.AsSpan(i * imageBytes, imageBytes));
                    pairs.Add(new Pair(chunk[i].Id, chunk[i].Caption));
                    if (options.MaxPairs > 0 && pairs.Count >= options.MaxPairs) { full = true; break; }
                }
                if (clock.Elapsed - lastLine >= TimeSpan.FromSeconds(10))
                {
                    lastLine = clock.Elapsed;
                    log.WriteLine($"ingest: {pairs.Count} pairs kept, {report.SkippedTotal} skipped, {report.Decoded / Math.Max(1e-9, decodeClock.Elapsed.TotalSeconds):F0} images/s, {clock.Elapsed:mm\\:ss}");
                }
            }
        }
        finally
        {
            try { next.Wait(); } catch (AggregateException) { } // the reader must be idle before it is disposed; its error, if any, was already thrown
        }
        report.Kept = pairs.Count;
        report.DecodeSeconds = Math.Round(decodeClock.Elapsed.TotalSeconds, 3);
        report.Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3);
        if (pairs.Count == 0) return report;
        writer.Commit();
        PairStore.SaveCaptions(pairs, captionsPath);
        return report;
    }

    /// <summary>Decodes one record's image into <paramref name="rgb"/>; the reason it was skipped, or null. Evaluation reads task images here too, under the same limits.</summary>
    internal static (SkipReason Reason, string? Detail)? Decode(SourceRecord record, ImageDecoder decoder, long maxImageBytes, Span<byte> rgb)
    {
        try
        {
            byte[]? bytes = record.ImageBytes;
            if (bytes is null)
            {
                var file = new FileInfo(record.ImagePath ?? "");
                if (!file.Exists) return (SkipReason.MissingImage, record.ImagePath);
                if (file.Length > maxImageBytes) return (SkipReason.TooLarge, $"{file.Length} bytes");
                bytes = File.ReadAllBytes(file.FullName);
            }
            if (bytes.LongLength > maxImageBytes) return (SkipReason.TooLarge, $"{bytes.LongLength} bytes");
            return decoder.Decode(bytes, rgb) is { } reason ? (reason, null) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            return (SkipReason.CorruptImage, e.Message);
        }
    }
}
