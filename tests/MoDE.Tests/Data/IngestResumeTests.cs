using System.Formats.Tar;
using System.Text;
using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Storage;
using Xunit;

namespace MoDE.Tests.Data;

/// <summary>
/// An ingest of WebDataset shards stopped (a cancellation), crashed (an exception) or killed (a shard whose state was never
/// written, a shard half written) resumes at its first unfinished shard, reads the records before it without decoding
/// them, and writes every byte an ingest never stopped writes: image shards, captions, the held-out task, the report's
/// counts. A partial ingest of other options or of changed files is discarded.
/// </summary>
public sealed class IngestResumeTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("mode-ingest-resume").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>Images of 16 px (768 bytes), 25 to a shard: the source's 380 or so pairs make 15 shards, several finished in each chunk of records.</summary>
    internal const int ImageSize = 16, PerShard = 25;

    internal static SourceOptions Options(string source) => new() { Source = source, ImageSize = ImageSize, ShardBytes = PerShard * ImageSize * ImageSize * 3 };

    /// <summary>
    /// Three tar shards of 130 samples (distinct noise JPEGs), with records skipped by the reader (no caption), by the
    /// id check (a key again), by the caption check (over 8 KiB) and by the decoder (not an image), before and after the
    /// point where the tests stop the ingest. Returns the folder, the source.
    /// </summary>
    internal static string WriteSource(string folder)
    {
        string source = Directory.CreateDirectory(Path.Combine(folder, "source")).FullName;
        for (int s = 0; s < 3; s++)
        {
            using var tar = new TarWriter(File.Create(Path.Combine(source, $"{s:D5}.tar")), TarEntryFormat.Pax);
            void Add(string name, byte[] data) => tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            for (int i = 0; i < 130; i++)
            {
                string key = i == 40 + s ? "k7" : $"k{i}";
                Add($"{key}.jpg", i == 9 + 50 * s ? Encoding.ASCII.GetBytes("not an image") : TestImages.Noise(24, 24, 1000 * s + i));
                if (i == 20 + s) continue; // no caption
                Add($"{key}.txt", Encoding.UTF8.GetBytes(i == 30 + 60 * s ? new string('x', 9000) : $"noise picture {s} {i}"));
            }
        }
        return source;
    }

    /// <summary>A log that calls <paramref name="action"/> when the ingest says shard <paramref name="shard"/> is written.</summary>
    internal sealed class ShardLog(int shard, Action action) : TextWriter
    {
        readonly StringBuilder _text = new();
        public override Encoding Encoding => Encoding.UTF8;
        public override void Write(char value) => _text.Append(value);
        public override void WriteLine(string? value)
        {
            _text.AppendLine(value);
            if (value is not null && value.StartsWith($"ingest: shard {ImageSetWriter.ShardName(shard)} written")) action();
        }
        public override string ToString() => _text.ToString();
    }

    [Theory]
    [Trait("Hostile", "class6")]
    [InlineData("cancel", 3, 0)]
    [InlineData("crash", 2, 0)]
    [InlineData("crash", 12, 0)]
    [InlineData("kill", 11, 0)]
    [InlineData("cancel", 8, 300)]
    public void AnInterruptedIngestResumesAtItsFirstUnfinishedShardAndWritesTheBytesOfAStraightOne(string how, int shard, int maxPairs)
    {
        var options = Options(WriteSource(folder)) with { MaxPairs = maxPairs };
        var straight = new RunLayout(Path.Combine(folder, "straight"));
        IngestStage.Run(straight, options, TextWriter.Null);

        var run = new RunLayout(Path.Combine(folder, "resumed"));
        using var stop = new CancellationTokenSource();
        var first = new ShardLog(shard, how == "cancel" ? stop.Cancel : () => throw new IOException("simulated crash"));
        if (how == "cancel") Assert.ThrowsAny<OperationCanceledException>(() => IngestStage.Run(run, options, first, stop.Token));
        else Assert.Equal("simulated crash", Assert.Throws<IOException>(() => IngestStage.Run(run, options, first)).Message);
        string partial = ImageSetWriter.PartialFor(run.Images);
        Assert.True(File.Exists(Path.Combine(partial, ImageSetWriter.ShardName(shard))), first.ToString());
        Assert.False(File.Exists(run.Pairs));
        int resumeAt = Directory.GetFiles(partial, "*.npy").Length; // a cancellation lets the chunk being decoded finish
        Assert.True(how == "cancel" ? resumeAt > shard : resumeAt == shard + 1, $"{resumeAt} shards");
        if (how == "kill") // killed after the shard was renamed into place but before its state was written, and while writing the next
        {
            File.Delete(Path.Combine(partial, "resume", $"{shard:D5}.json"));
            File.WriteAllBytes(AtomicFile.TemporaryFor(Path.Combine(partial, ImageSetWriter.ShardName(shard + 1))).Replace($".{Environment.ProcessId}.", ".999999."), new byte[1000]);
            resumeAt = shard;
        }

        var again = new StringWriter();
        var report = IngestStage.Run(run, options, again)!;
        Assert.Contains($"ingest: resuming at shard {resumeAt}, {resumeAt * PerShard} pairs already written", again.ToString());
        for (int s = 0; s < resumeAt; s++) Assert.DoesNotContain($"shard {ImageSetWriter.ShardName(s)} written", again.ToString()); // read again, not decoded again
        AssertSameIngest(straight, run);
        Assert.False(Directory.Exists(partial));
        Assert.Empty(Directory.GetFiles(run.Root, "*.tmp", SearchOption.AllDirectories));
        Assert.True(report.Count(SkipReason.CorruptImage) == 3 && report.Count(SkipReason.DuplicateId) == 3 || maxPairs > 0, report.Summary());
    }

    [Theory]
    [Trait("Hostile", "class6")]
    [InlineData("options")]
    [InlineData("files")]
    public void APartialIngestOfOtherOptionsOrChangedFilesIsDiscarded(string change)
    {
        string source = WriteSource(folder);
        var options = Options(source);
        var run = new RunLayout(Path.Combine(folder, "run"));
        // Another seed writes the same shards, so only the key tells the partial ingest from this one.
        Assert.Throws<IOException>(() => IngestStage.Run(run, change == "options" ? options with { Seed = 2 } : options,
            new ShardLog(4, () => throw new IOException("simulated crash"))));
        if (change == "files") File.SetLastWriteTimeUtc(Path.Combine(source, "00002.tar"), DateTime.UtcNow.AddMinutes(1)); // the same bytes, written again

        var log = new StringWriter();
        IngestStage.Run(run, options, log);
        Assert.Contains($"ingest: discarding the partial ingest in {ImageSetWriter.PartialFor(run.Images)}: it was made with other options or from other files", log.ToString());
        Assert.DoesNotContain("resuming", log.ToString());
        var straight = new RunLayout(Path.Combine(folder, "straight"));
        IngestStage.Run(straight, options, TextWriter.Null);
        AssertSameIngest(straight, run);
    }

    /// <summary>Every file of the two runs holds the same bytes (the lock files and the report's timings aside); the reports hold the same counts.</summary>
    internal static void AssertSameIngest(RunLayout expected, RunLayout actual, bool heldOut = true)
    {
        var files = Directory.GetFiles(expected.Root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(expected.Root, f))
            .Where(f => !f.StartsWith("locks") && f != Path.GetRelativePath(expected.Root, expected.IngestReport)).Order().ToList();
        Assert.Contains(Path.Combine("pairs", "images", "00003.npy"), files);
        if (heldOut) Assert.Contains(Path.Combine("tasks", HeldOutSplit.TaskName, "pairs.csv"), files);
        Assert.Equal(files, Directory.GetFiles(actual.Root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(actual.Root, f))
            .Where(f => !f.StartsWith("locks") && f != Path.GetRelativePath(actual.Root, actual.IngestReport)).Order().ToList());
        foreach (string file in files)
            Assert.True(File.ReadAllBytes(Path.Combine(expected.Root, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual.Root, file))), $"{file} differs");
        var (a, b) = (IngestReport.Load(expected.IngestReport), IngestReport.Load(actual.IngestReport));
        Assert.Equal((a.Kept, a.HeldOut, a.HeldOutImages, a.Files, a.Decoded), (b.Kept, b.HeldOut, b.HeldOutImages, b.Files, b.Decoded));
        Assert.Equal(a.Skipped, b.Skipped);
        Assert.Equal(a.Examples, b.Examples);
    }
}
