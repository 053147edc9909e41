using System.Formats.Tar;
using System.IO.Compression;

namespace MoDE.Data.Ingest;

/// <summary>
/// One WebDataset shard (.tar, or .tar.gz / .tgz): members that share a key (the member path up to the first dot
/// of its file name) make one sample, <c>KEY.jpg|jpeg|png|webp</c> beside <c>KEY.txt</c> or <c>KEY.json</c>
/// (a .txt wins over a .json). The pair id is the shard's name, a slash, and the key; the name is given by the
/// source (<see cref="SourceFileNames"/>, unique among its shards) and is by default the file name without extension.
/// Members are read into memory one at a time and never extracted, so a member named <c>/etc/x</c> or
/// <c>../x</c> cannot write anything; such members are skipped as <see cref="SkipReason.UnsafePath"/>. A member is
/// read only when its header says it fits: an image or .json of at most <see cref="SourceOptions.MaxImageBytes"/>,
/// a .txt of at most <see cref="SourceOptions.MaxCaptionBytes"/>. A shard cut short, or whose next header cannot be
/// read at all (any error of the tar reader, such as a PAX number out of range), keeps the samples read before.
/// </summary>
public sealed class TarShardReader(string path, SourceOptions options, string? shard = null) : IPairReader
{
    static readonly string[] ImageExtensions = ["jpg", "jpeg", "png", "webp"];

    public string Path { get; } = path;

    /// <summary>The id prefix: as given, else the file name without .tar, .tar.gz or .tgz.</summary>
    public string Shard { get; } = shard ?? ShardName(System.IO.Path.GetFileName(path));

    /// <summary>A .tar.gz or .tgz: its members have no offset in the file (<see cref="SourceRecord.ImageOffset"/>).</summary>
    public bool Compressed => Path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || Path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase);

    /// <summary>The path or file name without .tar, .tar.gz or .tgz, folders kept.</summary>
    public static string ShardName(string path)
    {
        foreach (string ext in (string[])[".tar.gz", ".tgz", ".tar"])
            if (path.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) return path[..^ext.Length];
        return path;
    }

    sealed class Sample(string key)
    {
        public string Key { get; } = key;
        public byte[]? Image;
        public long ImageOffset = -1;
        public byte[]? Text;
        public byte[]? Json;
        public bool Duplicate;
        /// <summary>A member was skipped already (and counted): the sample is incomplete and not counted again.</summary>
        public bool Dropped;
    }

    public IEnumerable<SourceRecord> Read(IngestReport report)
    {
        if (!File.Exists(Path)) { report.Skip(SkipReason.MissingShard, Path); yield break; }
        using var file = SourceFile.OpenRead(Path);
        Stream stream = Compressed ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new TarReader(stream, leaveOpen: false);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Sample? sample = null;
        int members = 0;
        while (true)
        {
            var (entry, failure) = Next(reader);
            if (failure is not null)
            {
                report.Skip(members == 0 ? SkipReason.UnreadableShard : SkipReason.TruncatedShard, Path, failure);
                break;
            }
            if (entry is null) break;
            members++;
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
            string name = entry.Name;
            if (IsUnsafe(name)) { report.Skip(SkipReason.UnsafePath, $"{Path}: {name}"); continue; }
            var (key, extension) = Split(name);
            if (sample is null || sample.Key != key)
            {
                if (sample is not null && Finish(sample, report) is { } record) yield return record;
                sample = new Sample(key) { Duplicate = !seen.Add(key) };
            }
            bool isImage = ImageExtensions.Contains(extension);
            if (extension != "txt" && extension != "json" && !isImage) continue; // other fields (.cls, .url) are not needed
            if (entry.Length > (extension == "txt" ? options.MaxCaptionBytes : options.MaxImageBytes))
            {
                report.Skip(extension == "txt" ? SkipReason.CaptionTooLong : SkipReason.TooLarge, Id(key), $"{name} holds {entry.Length} bytes");
                sample.Dropped = true;
                continue;
            }
            byte[] data = new byte[entry.Length];
            string? cut = null;
            try { entry.DataStream?.ReadExactly(data); }
            catch (Exception e) when (e is not OperationCanceledException) { cut = e.Message; }
            if (cut is not null) { report.Skip(SkipReason.TruncatedShard, Path, $"{name}: {cut}"); sample = null; break; }
            if (isImage) { if (sample.Image is not null) sample.Duplicate = true; sample.Image = data; sample.ImageOffset = Compressed ? -1 : entry.DataOffset; }
            else if (extension == "txt") { if (sample.Text is not null) sample.Duplicate = true; sample.Text = data; }
            else { if (sample.Json is not null) sample.Duplicate = true; sample.Json = data; }
        }
        if (sample is not null && Finish(sample, report) is { } last) yield return last;
    }

    static (TarEntry? Entry, string? Failure) Next(TarReader reader)
    {
        try { return (reader.GetNextEntry(copyData: false), null); }
        catch (Exception e) when (e is not OperationCanceledException) // System.Formats.Tar throws OverflowException and others on hostile headers
        {
            return (null, $"{e.GetType().Name}: {e.Message}");
        }
    }

    string Id(string key) => $"{Shard}/{key}";

    SourceRecord? Finish(Sample sample, IngestReport report)
    {
        string id = Id(sample.Key);
        if (sample.Dropped) return null;
        if (sample.Duplicate) { report.Skip(SkipReason.DuplicateId, id, "key repeated in the shard"); return null; }
        if (sample.Image is null)
        {
            if (sample.Text is not null || sample.Json is not null) report.Skip(SkipReason.MissingImage, id);
            return null;
        }
        SkipReason? problem = sample.Text is not null ? SourceCaption.FromUtf8(sample.Text, out string caption)
            : sample.Json is not null ? SourceCaption.FromJson(sample.Json, id, options.Seed, out caption)
            : MissingCaption(out caption);
        if (problem is { } reason) { report.Skip(reason, id); return null; }
        return new SourceRecord(id, caption, ImageBytes: sample.Image, Shard: Path, ImageOffset: sample.ImageOffset);
    }

    static SkipReason? MissingCaption(out string caption) { caption = ""; return SkipReason.MissingCaption; }

    /// <summary>An absolute path (also a Windows drive or UNC path) or any ".." segment.</summary>
    public static bool IsUnsafe(string name) =>
        name.Length == 0 || name[0] is '/' or '\\' || (name.Length > 1 && name[1] == ':') ||
        name.Split('/', '\\').Any(part => part == "..");

    /// <summary>WebDataset's rule: the key is the path up to the first dot of the file name; the rest, lower-cased, is the field.</summary>
    static (string Key, string Extension) Split(string name)
    {
        int slash = name.LastIndexOf('/');
        int dot = name.IndexOf('.', slash + 1);
        return dot < 0 ? (name, "") : (name[..dot], name[(dot + 1)..].ToLowerInvariant());
    }
}
