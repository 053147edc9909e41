using System.Formats.Tar;
using System.Text;
using MoDE.Data.Ingest;
using MoDE.Data;
using MoDE.Storage;
using SkiaSharp;

namespace MoDE.Tests.Data;

/// <summary>
/// The bad-input suite: shards holding every kind of broken record a web crawl produces. Each must be skipped
/// and counted under its reason, the good pairs around it kept, and nothing written outside the run.
/// </summary>
public class BadInputTests
{
    static void Add(TarWriter tar, string name, byte[] data)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) };
        tar.WriteEntry(entry);
    }

    static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Shard 0: one sample of each kind; returns the number of samples that must be kept.</summary>
    static int WriteShardWithEveryProblem(string path)
    {
        using var file = File.Create(path);
        using var tar = new TarWriter(file, TarEntryFormat.Pax);
        var red = TestImages.Solid(SKColors.Red);
        // kept
        Add(tar, "good_jpg.jpg", red); Add(tar, "good_jpg.txt", Text("a red square"));
        Add(tar, "alpha_png.png", TestImages.Solid(new SKColor(0, 0, 0, 0), format: SKEncodedImageFormat.Png));
        Add(tar, "alpha_png.json", Text("""{"caption": "nothing at all", "url": "http://example.com/x.png"}"""));
        Add(tar, "metaclip.webp", TestImages.Solid(SKColors.Green, format: SKEncodedImageFormat.Webp));
        Add(tar, "metaclip.json", Text("""{"texts": [["a green field", "x"], "green grass", ""]}"""));
        Add(tar, "cmyk.jpg", TestImages.CmykRedJpeg()); Add(tar, "cmyk.txt", Text("a cmyk red"));
        Add(tar, "deep.png", TestImages.Png16(0, 0, 255)); Add(tar, "deep.txt", Text("sixteen bit blue"));
        Add(tar, "palette.png", TestImages.PaletteHalfTransparent()); Add(tar, "palette.txt", Text("half blue"));
        Add(tar, "dup.jpg", red); Add(tar, "dup.txt", Text("first of a repeated key"));
        Add(tar, "sub/dir/nested.jpeg", red); Add(tar, "sub/dir/nested.txt", Text("nested key"));
        // skipped
        var photo = TestImages.Noise(256, 256, seed: 1);
        Add(tar, "truncated.jpg", photo[..(photo.Length / 2)]); Add(tar, "truncated.txt", Text("cut download"));
        Add(tar, "corrupt.jpg", [.. Enumerable.Range(0, 500).Select(i => (byte)(i * 37))]); Add(tar, "corrupt.txt", Text("noise bytes"));
        Add(tar, "zero.jpg", []); Add(tar, "zero.txt", Text("zero bytes"));
        Add(tar, "bomb.png", TestImages.BombHeader(100_000)); Add(tar, "bomb.txt", Text("ten billion pixels"));
        Add(tar, "nocaption.jpg", red);
        Add(tar, "emptycaption.jpg", red); Add(tar, "emptycaption.txt", Text("  \n\t "));
        Add(tar, "badutf8.jpg", red); Add(tar, "badutf8.txt", [0x61, 0xC3, 0x28, 0x62]);
        Add(tar, "badjson.jpg", red); Add(tar, "badjson.json", Text("{\"caption\": "));
        Add(tar, "noimage.txt", Text("a caption alone"));
        Add(tar, "dup.jpg", red); Add(tar, "dup.txt", Text("second of a repeated key"));
        Add(tar, "/tmp/mode-absolute-evil.jpg", red);
        Add(tar, "../mode-parent-evil.jpg", red);
        Add(tar, "a/../../mode-parent-evil.txt", Text("escape"));
        return 8;
    }

    /// <summary>Shard 1: two good samples, then the file ends in the middle of a third image.</summary>
    static int WriteTruncatedShard(string path)
    {
        using var memory = new MemoryStream();
        long cut;
        using (var tar = new TarWriter(memory, TarEntryFormat.Pax, leaveOpen: true))
        {
            Add(tar, "a.jpg", TestImages.Solid(SKColors.Yellow)); Add(tar, "a.txt", Text("yellow"));
            Add(tar, "b.png", TestImages.Solid(SKColors.Blue, format: SKEncodedImageFormat.Png)); Add(tar, "b.txt", Text("blue"));
            Add(tar, "c.txt", Text("the last caption"));
            cut = memory.Length + 512 + 2000; // inside the data of the next member (its header is 512 bytes or more)
            Add(tar, "c.jpg", TestImages.Noise(200, 200, seed: 2));
        }
        File.WriteAllBytes(path, memory.ToArray()[..(int)cut]);
        return 2;
    }

    [Fact]
    [Trait("Hostile", "class1")]
    public void EveryBadRecordIsSkippedAndCountedByReasonAndTheGoodOnesAreKept()
    {
        string folder = Directory.CreateTempSubdirectory("mode-bad").FullName;
        string shards = Path.Combine(folder, "shards");
        Directory.CreateDirectory(shards);
        int expected = WriteShardWithEveryProblem(Path.Combine(shards, "web-00000.tar"))
                     + WriteTruncatedShard(Path.Combine(shards, "web-00001.tar"));
        var run = new RunLayout(Path.Combine(folder, "run"));
        string cwd = Environment.CurrentDirectory;
        Environment.CurrentDirectory = shards;
        IngestReport? report;
        try
        {
            report = IngestStage.Run(run, new SourceOptions { Source = Path.Combine(shards, "web-{00000..00002}.tar"), Threads = 2 }, TextWriter.Null);
        }
        finally { Environment.CurrentDirectory = cwd; }

        Assert.NotNull(report);
        Assert.Equal(expected, report.Kept);
        var skipped = IngestReport.Load(run.IngestReport).Skipped;
        var want = new Dictionary<SkipReason, long>
        {
            [SkipReason.TruncatedImage] = 1, [SkipReason.CorruptImage] = 1, [SkipReason.EmptyFile] = 1, [SkipReason.TooManyPixels] = 1,
            [SkipReason.MissingCaption] = 1, [SkipReason.EmptyCaption] = 1, [SkipReason.InvalidUtf8] = 1, [SkipReason.BadCaptionJson] = 1,
            [SkipReason.MissingImage] = 1, [SkipReason.DuplicateId] = 1, [SkipReason.UnsafePath] = 3, [SkipReason.TruncatedShard] = 1,
            [SkipReason.MissingShard] = 1,
        };
        foreach (var (reason, count) in want) Assert.True(skipped.GetValueOrDefault(IngestReport.Key(reason)) == count,
            $"{reason}: expected {count}, report says {skipped.GetValueOrDefault(IngestReport.Key(reason))} ({string.Join(", ", skipped)})");
        Assert.Equal(want.Values.Sum(), skipped.Values.Sum());

        // never written anywhere: not beside the shards, not above them, not at the absolute path
        Assert.False(File.Exists("/tmp/mode-absolute-evil.jpg"));
        Assert.False(File.Exists(Path.Combine(folder, "mode-parent-evil.jpg")));
        Assert.False(File.Exists(Path.Combine(shards, "mode-parent-evil.txt")));
        Assert.Equal(["web-00000.tar", "web-00001.tar"], Directory.GetFileSystemEntries(shards).Select(p => Path.GetFileName(p)!).Order().ToArray());

        var pairs = PairStore.Load(run.Pairs, run.Images);
        var byId = pairs.Pairs.Select((p, i) => (p, i)).ToDictionary(x => x.p.Id, x => x.i);
        Assert.Equal("first of a repeated key", pairs.Pairs[byId["web-00000/dup"]].Caption);
        Assert.Contains("web-00000/sub/dir/nested", byId.Keys);
        Assert.Equal(["web-00001/a", "web-00001/b"], pairs.Pairs.Where(p => p.Id.StartsWith("web-00001/")).Select(p => p.Id));
        Assert.Contains(pairs.Pairs[byId["web-00000/metaclip"]].Caption, new[] { "a green field", "green grass" });

        // odd modes arrive as RGB: transparent -> white background, CMYK red -> red, 16-bit blue -> blue, palette half transparent
        AssertColor(pairs.Images.Image(byId["web-00000/alpha_png"]), 255, 255, 255);
        AssertColor(pairs.Images.Image(byId["web-00000/cmyk"]), 255, 0, 0, tolerance: 40);
        AssertColor(pairs.Images.Image(byId["web-00000/deep"]), 0, 0, 255);
        var palette = pairs.Images.Image(byId["web-00000/palette"]);
        int size = pairs.Images.Width;
        AssertColor(palette.Slice((size / 2 * size + 2) * 3, 3), 255, 255, 255);
        AssertColor(palette.Slice((size / 2 * size + size - 3) * 3, 3), 0, 0, 255);
    }

    static void AssertColor(ReadOnlySpan<byte> rgb, int r, int g, int b, int tolerance = 8)
    {
        for (int i = 0; i < rgb.Length; i += 3)
            Assert.True(Math.Abs(rgb[i] - r) <= tolerance && Math.Abs(rgb[i + 1] - g) <= tolerance && Math.Abs(rgb[i + 2] - b) <= tolerance,
                $"pixel {i / 3} is ({rgb[i]}, {rgb[i + 1]}, {rgb[i + 2]}), expected about ({r}, {g}, {b})");
    }

    [Fact]
    [Trait("Hostile", "class5")]
    public void ShardsOfOneNameInTwoFoldersKeepAllSamplesAndARepeatedKeyInOneShardIsStillADuplicate()
    {
        string folder = Directory.CreateTempSubdirectory("mode-same-shard-name").FullName;
        foreach (string sub in (string[])["a", "b"])
        {
            Directory.CreateDirectory(Path.Combine(folder, sub));
            using var file = File.Create(Path.Combine(folder, sub, "00000.tar"));
            using var tar = new TarWriter(file, TarEntryFormat.Pax);
            Add(tar, "k.jpg", TestImages.Solid(SKColors.Red)); Add(tar, "k.txt", Text($"red from {sub}"));
            Add(tar, "n.jpg", TestImages.Solid(SKColors.Blue)); Add(tar, "n.txt", Text($"blue from {sub}"));
            if (sub == "b") { Add(tar, "k.jpg", TestImages.Solid(SKColors.Green)); Add(tar, "k.txt", Text("k again in b")); }
        }
        var run = new RunLayout(Path.Combine(folder, "run"));
        var report = IngestStage.Run(run, new SourceOptions { Source = Path.Combine(folder, "{a,b}", "00000.tar"), Threads = 2 }, TextWriter.Null)!;

        var pairs = PairStore.Load(run.Pairs, run.Images);
        Assert.Equal(["a/00000/k", "a/00000/n", "b/00000/k", "b/00000/n"], pairs.Pairs.Select(p => p.Id).ToArray());
        Assert.Equal(["red from a", "blue from a", "red from b", "blue from b"], pairs.Pairs.Select(p => p.Caption).ToArray());
        Assert.Equal(4, report.Kept);
        Assert.Equal(1, report.Count(SkipReason.DuplicateId));
    }

    [Fact]
    [Trait("Hostile", "class5")]
    public void ShardNamesAreFileStemsInOneFolderAndRelativePathsAcrossFolders()
    {
        string root = Path.Combine(Path.GetTempPath(), "mode-names");
        var oneFolder = SourceFileNames.For([Path.Combine(root, "s", "00000.tar"), Path.Combine(root, "s", "00001.tar.gz")], TarShardReader.ShardName);
        Assert.Equal(["00000", "00001"], oneFolder.Values.ToArray());
        var twoFolders = SourceFileNames.For([Path.Combine(root, "a", "00000.tar"), Path.Combine(root, "b", "c", "00000.tar")], TarShardReader.ShardName);
        Assert.Equal(["a/00000", "b/c/00000"], twoFolders.Values.ToArray());
        var sameStem = SourceFileNames.For([Path.Combine(root, "s", "x.tar"), Path.Combine(root, "s", "x.tgz")], TarShardReader.ShardName);
        Assert.Equal(["x.tar", "x.tgz"], sameStem.Values.ToArray());
    }

    [Fact]
    [Trait("Hostile", "class1")]
    public void ATarThatIsNotATarIsCountedNotThrown()
    {
        string folder = Directory.CreateTempSubdirectory("mode-bad-tar").FullName;
        string path = Path.Combine(folder, "junk.tar");
        File.WriteAllBytes(path, Enumerable.Range(0, 3000).Select(i => (byte)(i * 31 + 7)).ToArray());
        var report = new IngestReport();
        var records = new TarShardReader(path, new SourceOptions { MaxImageBytes = 1 << 20 }).Read(report).ToList();
        Assert.Empty(records);
        Assert.Equal(1, report.Count(SkipReason.UnreadableShard) + report.Count(SkipReason.TruncatedShard));
    }

    [Fact]
    [Trait("Hostile", "class1")]
    public void NoSurvivingPairIsAnErrorThatPointsAtTheReportAndLeavesNoPairs()
    {
        string folder = Directory.CreateTempSubdirectory("mode-bad-none").FullName;
        using (var file = File.Create(Path.Combine(folder, "only-bad.tar")))
        using (var tar = new TarWriter(file, TarEntryFormat.Pax))
        {
            Add(tar, "x.jpg", []); Add(tar, "x.txt", Text("zero"));
        }
        var run = new RunLayout(Path.Combine(folder, "run"));
        var error = Assert.Throws<InvalidDataException>(() => IngestStage.Run(run, new SourceOptions { Source = Path.Combine(folder, "only-bad.tar") }, TextWriter.Null));
        Assert.Contains("empty_file 1", error.Message);
        Assert.True(File.Exists(run.IngestReport));
        Assert.False(Directory.Exists(run.Images));
        Assert.False(File.Exists(run.Done(IngestStage.Stage.Name)));
    }
}
