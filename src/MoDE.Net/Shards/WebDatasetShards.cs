using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using MoDE.Data;
using MoDE.Storage;

namespace MoDE.Shards;

/// <summary>
/// Writes one shard set as WebDataset .tar shards <c>NNNNN.tar</c> (System.Formats.Tar, GNU format: long names through its long-name
/// records, which Python's tarfile reads): per sample, in the set's order, <c>KEY.jpg|png|webp</c> (the encoded image,
/// <see cref="OriginalImages"/>), <c>KEY.txt</c> (the caption, UTF-8) and <c>KEY.json</c> (<c>{"id", "row", "pass"}</c>), keys from
/// <see cref="ShardSample.Key"/>. Each shard is written to a temporary file and renamed into place (<see cref="AtomicFile"/>); a rerun
/// keeps the finished shards, after checking that each holds the samples the plan puts there, and writes the rest. Members carry
/// fixed times and modes, so the same plan gives the same bytes.
/// </summary>
public static class WebDatasetShards
{
    /// <summary>The end of a tar archive: two zero records of 512 bytes.</summary>
    public const int Trailer = 1024;

    /// <summary>Writes <paramref name="samples"/> into <paramref name="folder"/>; returns each shard's sample count and all the shards' bytes.</summary>
    public static (List<int> ShardSamples, long Bytes) Write(string folder, IReadOnlyList<ShardSample> samples, IReadOnlyList<Pair> pairs,
        OriginalImages images, ShardOptions options, TextWriter log, CancellationToken stop = default)
    {
        Directory.CreateDirectory(folder);
        var counts = new List<int>();
        long bytes = 0;
        int next = 0, kept = 0;
        byte[]? pending = null; // the fragment that did not fit the last shard
        while (next < samples.Count)
        {
            stop.ThrowIfCancellationRequested();
            string path = Path.Combine(folder, ShardManifest.ShardName(counts.Count));
            if (File.Exists(path))
            {
                int held = Check(path, samples, next, pairs, options);
                counts.Add(held);
                bytes += new FileInfo(path).Length;
                next += held;
                kept++;
                pending = null;
                continue;
            }
            int count = 0;
            long size = 0;
            AtomicFile.Write(path, stream =>
            {
                int at = next;
                while (at < samples.Count && count < options.ShardSamples)
                {
                    var fragment = pending ?? Fragment(samples[at], pairs, images);
                    if (count > 0 && size + fragment.Length + Trailer > options.ShardBytes) { pending = fragment; break; }
                    pending = null;
                    stream.Write(fragment);
                    size += fragment.Length;
                    count++;
                    at++;
                }
                stream.Write(new byte[Trailer]);
            });
            counts.Add(count);
            bytes += size + Trailer;
            next += count;
        }
        if (kept > 0) log.WriteLine($"shards: {folder}: {kept} finished shard(s) kept");
        return (counts, bytes);
    }

    /// <summary>The tar members of one sample, without the archive's trailer.</summary>
    static byte[] Fragment(ShardSample sample, IReadOnlyList<Pair> pairs, OriginalImages images)
    {
        var pair = pairs[sample.Row];
        string key = sample.Key(pair.Id);
        var (image, extension) = images.Read(sample.Row);
        byte[] caption = Encoding.UTF8.GetBytes(pair.Caption);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(new SampleRecord(pair.Id, sample.Row, sample.Pass >= 0 ? sample.Pass : null), Json);
        using var memory = new MemoryStream(image.Length + caption.Length + json.Length + 8 * 512);
        using (var tar = new TarWriter(memory, TarEntryFormat.Gnu, leaveOpen: true))
        {
            Add(tar, $"{key}.{extension}", image);
            Add(tar, $"{key}.txt", caption);
            Add(tar, $"{key}.json", json);
        }
        if (memory.Length < Trailer || memory.GetBuffer().AsSpan((int)memory.Length - Trailer, Trailer).ContainsAnyExcept((byte)0))
            throw new InvalidOperationException("System.Formats.Tar ended an archive otherwise than with two zero records");
        return memory.GetBuffer().AsSpan(0, (int)memory.Length - Trailer).ToArray();
    }

    /// <summary>A sample's <c>.json</c>: the pair id, its row in the run, and the training pass (null in the all-data set).</summary>
    sealed record SampleRecord(string Id, int Row, int? Pass);

    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    static void Add(TarWriter tar, string name, byte[] data)
    {
        using var stream = new MemoryStream(data, writable: false);
        tar.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = stream,
            ModificationTime = DateTimeOffset.UnixEpoch,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        });
    }

    /// <summary>
    /// The samples of a finished shard, checked against the plan: its keys must be the next ones of <paramref name="samples"/> from
    /// <paramref name="next"/>, and it must keep the limits; else the shard set was written by another plan.
    /// </summary>
    static int Check(string path, IReadOnlyList<ShardSample> samples, int next, IReadOnlyList<Pair> pairs, ShardOptions options)
    {
        var keys = new List<string>();
        try
        {
            using var reader = new TarReader(File.OpenRead(path));
            while (reader.GetNextEntry() is { } entry)
            {
                string name = entry.Name;
                int dot = name.IndexOf('.', name.LastIndexOf('/') + 1);
                string key = dot < 0 ? name : name[..dot];
                if (keys.Count == 0 || keys[^1] != key) keys.Add(key);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidDataException($"{path}: this finished shard cannot be read ({e.Message.ReplaceLineEndings(" ")}); delete it to write it again", e);
        }
        long bytes = new FileInfo(path).Length;
        for (int i = 0; i < keys.Count; i++)
            if (next + i >= samples.Count || keys[i] != samples[next + i].Key(pairs[samples[next + i].Row].Id))
                throw new InvalidDataException($"{path}: sample {i} ({keys[i]}) is not the one these options put there; the folder holds shards of other options or another run: give another --to or delete it");
        if (keys.Count == 0 || keys.Count > options.ShardSamples || (keys.Count > 1 && bytes > options.ShardBytes))
            throw new InvalidDataException($"{path}: {keys.Count} samples in {bytes} bytes, outside these options' limits ({options.ShardSamples} samples, {options.ShardBytes} bytes); give another --to or delete it");
        return keys.Count;
    }
}
