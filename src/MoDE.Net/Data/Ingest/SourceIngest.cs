using System.Diagnostics;
using System.Text;
using MoDE.Data;

namespace MoDE.Data.Ingest;

/// <summary>
/// Reads a source (<see cref="PairSource"/>), decodes every image once, in parallel, to the training size
/// (<see cref="ImageDecoder"/>), and writes the standard pairs: captions as pairs.jsonl and pixels as the images
/// file, row i = image i, so training reads no JPEG (or, <see cref="PixelStore.Source"/>, where each image lies in its
/// .tar shard, <see cref="SourceImageSet"/>, for training to decode it there again). Records are read in chunks, bounded in records and in bytes
/// (<see cref="SourceOptions.MaxBytesInFlight"/>); the next chunk is read while the current one decodes, and chunks
/// are written in reading order, so the output does not depend on the number of threads. Ids seen before are
/// skipped as <see cref="SkipReason.DuplicateId"/> (the first is kept), captions over
/// <see cref="SourceOptions.MaxCaptionBytes"/> as <see cref="SkipReason.CaptionTooLong"/>. Whatever a file's
/// reader throws ends that file only (<see cref="Records"/>). Nothing is written when no pair survives (the report
/// still says why). Whole shards outlive an ingest stopped or failed, which a rerun resumes (<see cref="PartialIngest"/>).
/// </summary>
public static class SourceIngest
{
    /// <summary>Most records decoded together: enough to keep every core busy.</summary>
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
        var decoder = ImageDecoder.For(options);
        bool inPlace = SourceImageSet.Chosen(options, readers, log);
        report.Pixels = inPlace ? PixelStore.Source : PixelStore.Stored;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var records = readers.SelectMany(r => Records(r, report, log)).Where(r =>
        {
            if (!ids.Add(r.Id)) { report.Skip(SkipReason.DuplicateId, r.Id); return false; }
            if (Encoding.UTF8.GetByteCount(r.Caption) > options.MaxCaptionBytes)
            {
                report.Skip(SkipReason.CaptionTooLong, r.Id, $"{Encoding.UTF8.GetByteCount(r.Caption)} bytes");
                return false;
            }
            return true;
        });

        var pairs = new List<Pair>();
        var decodeClock = new Stopwatch();
        var lastLine = TimeSpan.Zero;
        using var enumerator = records.GetEnumerator();
        // Stored pixels resume at their first unfinished shard (PartialIngest); a table of locations is written again.
        using var partial = inPlace ? null : PartialIngest.Open(options, readers, imagesPath, log);
        using var table = inPlace ? new SourceImageSet.Writer(imagesPath, decoder, options.MaxImageBytes) : null;
        partial?.Restore(enumerator, pairs, report);
        // Bytes held: the chunk decoding, the chunk read ahead, and the record read but not yet in a chunk.
        long chunkBytes = (options.MaxBytesInFlight - options.MaxRecordBytes) / 2, inFlight = 0;
        SourceRecord? pending = null;
        void Hold(long bytes) => report.InFlight(Interlocked.Add(ref inFlight, bytes));
        (List<SourceRecord> Records, long Bytes) Take()
        {
            var chunk = new List<SourceRecord>(ChunkSize);
            long bytes = 0;
            while (chunk.Count < ChunkSize)
            {
                if (pending is null)
                {
                    if (!enumerator.MoveNext()) break;
                    pending = enumerator.Current;
                    Hold(BytesOf(pending));
                }
                if (bytes + BytesOf(pending) > chunkBytes) break;
                chunk.Add(pending);
                bytes += BytesOf(pending);
                pending = null;
            }
            return (chunk, bytes);
        }
        var next = Task.Run(Take);
        try
        {
            bool full = false;
            while (!full)
            {
                stop.ThrowIfCancellationRequested();
                var (chunk, bytes) = next.GetAwaiter().GetResult();
                if (chunk.Count == 0) break;
                next = Task.Run(Take); // read ahead while this chunk decodes
                partial?.ChunkStarting(chunk.Count, report);
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
                    if (results[i] is { } skip)
                    {
                        if (partial is null) report.Skip(skip.Reason, chunk[i].Id, skip.Detail); else partial.Skip(report, skip.Reason, chunk[i].Id, skip.Detail);
                        continue;
                    }
                    if (partial is not null) partial.Add(pixels.AsSpan(i * imageBytes, imageBytes));
                    else table!.Add(chunk[i].Shard!, chunk[i].ImageOffset, chunk[i].ImageBytes!.Length, pixels.AsSpan(i * imageBytes, imageBytes));
                    pairs.Add(new Pair(chunk[i].Id, chunk[i].Caption));
                    if (options.MaxPairs > 0 && pairs.Count >= options.MaxPairs) { full = true; break; }
                }
                Hold(-bytes);
                // Large members live on the large-object heap, which the GC otherwise empties only after several times
                // the bound has been allocated (measured: 2 GB of 8 MiB members held 650 MB to 1 GB; with this, 350 MB).
                if (bytes > chunkBytes / 4) GC.Collect();
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
        if (partial is not null) partial.Commit(captionsPath);
        else
        {
            table!.Commit();
            PairStore.SaveCaptions(pairs, captionsPath);
        }
        return report;
    }

    /// <summary>The memory a record holds until it is decoded: its encoded image, if in memory, and its caption.</summary>
    static long BytesOf(SourceRecord record) => (record.ImageBytes?.LongLength ?? 0) + 2L * record.Caption.Length;

    /// <summary>
    /// The records of one file. Whatever its reader throws (a tar header out of range, a Parquet footer that cannot
    /// be read, a manifest malformed at a line), but cancellation, ends that file alone: it is counted as
    /// <see cref="SkipReason.UnreadableShard"/> when it gave no record yet, else as
    /// <see cref="SkipReason.TruncatedShard"/>, with the error in one line; the records before are kept, and so is
    /// the work on every other file.
    /// </summary>
    public static IEnumerable<SourceRecord> Records(IPairReader reader, IngestReport report, TextWriter log)
    {
        IEnumerator<SourceRecord>? records = null;
        long given = 0;
        try
        {
            while (true)
            {
                string? failure = null;
                try
                {
                    records ??= reader.Read(report).GetEnumerator();
                    if (!records.MoveNext()) yield break;
                }
                catch (Exception e) when (e is not OperationCanceledException) { failure = OneLine(e); }
                if (failure is not null)
                {
                    var reason = given == 0 ? SkipReason.UnreadableShard : SkipReason.TruncatedShard;
                    report.Skip(reason, reader.Path, failure);
                    log.WriteLine($"ingest: {reader.Path}: {IngestReport.Key(reason)} after {given} record(s): {failure}");
                    yield break;
                }
                given++;
                yield return records!.Current;
            }
        }
        finally
        {
            try { records?.Dispose(); }
            catch (Exception e) when (e is not OperationCanceledException) { log.WriteLine($"ingest: {reader.Path}: closing it failed: {OneLine(e)}"); }
        }
    }

    /// <summary>An exception's message on one line, with its type when the message does not say what went wrong by itself.</summary>
    static string OneLine(Exception e) =>
        (e is InvalidDataException or IOException ? e.Message : $"{e.GetType().Name}: {e.Message}").ReplaceLineEndings(" ");

    /// <summary>Decodes one record's image into <paramref name="rgb"/>; the reason it was skipped, or null. Evaluation reads task images here too, under the same limits.</summary>
    internal static (SkipReason Reason, string? Detail)? Decode(SourceRecord record, ImageDecoder decoder, long maxImageBytes, Span<byte> rgb)
    {
        try
        {
            byte[]? bytes = record.ImageBytes;
            if (bytes is null && SourceFile.Read(record.ImagePath ?? "", maxImageBytes, SkipReason.MissingImage, SkipReason.TooLarge, out bytes) is { } problem)
                return problem;
            if (bytes.LongLength > maxImageBytes) return (SkipReason.TooLarge, $"{bytes.LongLength} bytes");
            return decoder.Decode(bytes, rgb) is { } reason ? (reason, null) : null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (SkipReason.CorruptImage, OneLine(e));
        }
    }
}
