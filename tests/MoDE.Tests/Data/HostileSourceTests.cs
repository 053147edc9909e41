using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Storage;
using Parquet.Serialization;
using SkiaSharp;
using Xunit;

namespace MoDE.Tests.Data;

/// <summary>
/// Sources built to break the ingest. Class 1: whatever a file's reader throws ends that file alone, as a counted
/// skip, and every other pair is kept. Class 2: the work and memory of one record stay within the limits of
/// <see cref="SourceOptions"/> whatever a file claims. Each source holds good files or records beside the bad one.
/// </summary>
public class HostileSourceTests
{
    static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    static void Add(TarWriter tar, string name, byte[] data) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });

    /// <summary>A shard of <paramref name="count"/> good samples, keys k0, k1, ...</summary>
    static byte[] GoodShard(int count, string prefix = "k")
    {
        using var memory = new MemoryStream();
        using (var tar = new TarWriter(memory, TarEntryFormat.Pax, leaveOpen: true))
            for (int i = 0; i < count; i++)
            {
                Add(tar, $"{prefix}{i}.jpg", TestImages.Solid(SKColors.Red));
                Add(tar, $"{prefix}{i}.txt", Text($"red square {prefix}{i}"));
            }
        return memory.ToArray()[..^1024]; // without the two zero blocks that end the archive, so more can follow
    }

    /// <summary>A ustar header block (POSIX pax format: name, mode, ids, size and time in octal, type, checksum).</summary>
    static byte[] UstarHeader(string name, char type, long size)
    {
        var header = new byte[512];
        void Octal(int at, int width, long value) => Encoding.ASCII.GetBytes(Convert.ToString(value, 8).PadLeft(width - 1, '0')).CopyTo(header, at);
        Encoding.ASCII.GetBytes(name).CopyTo(header, 0);
        Octal(100, 8, 420); Octal(108, 8, 0); Octal(116, 8, 0); Octal(124, 12, size); Octal(136, 12, 0);
        header[156] = (byte)type;
        Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(header, 257);
        Array.Fill(header, (byte)' ', 148, 8);
        Encoding.ASCII.GetBytes(Convert.ToString(header.Sum(b => b), 8).PadLeft(6, '0') + "\0 ").CopyTo(header, 148);
        return header;
    }

    /// <summary>A pax extended header giving <paramref name="key"/> = <paramref name="value"/>, then the member it describes.</summary>
    static byte[] PaxMember(string key, string value)
    {
        string body = $" {key}={value}\n";
        int length = body.Length + 1;
        while ((length + body).Length != length) length++; // the record's length counts its own digits
        byte[] record = Encoding.ASCII.GetBytes(length + body);
        var data = new byte[(record.Length + 511) / 512 * 512];
        record.CopyTo(data, 0);
        var payload = new byte[512];
        Text("a caption").CopyTo(payload, 0);
        return [.. UstarHeader("PaxHeaders/bad", 'x', record.Length), .. data, .. UstarHeader("bad.txt", '0', 9), .. payload];
    }

    static (IngestReport Report, PairSet Pairs) Ingest(string folder, SourceOptions options)
    {
        var run = new RunLayout(Path.Combine(folder, "run"));
        var report = IngestStage.Run(run, options.Threads == 0 ? options with { Threads = 2 } : options, TextWriter.Null)!;
        return (report, PairStore.Load(run.Pairs, run.Images));
    }

    [Theory]
    [Trait("Hostile", "class1")]
    [InlineData("size", "99999999999999999999999")]
    [InlineData("size", "-5")]
    [InlineData("uid", "99999999999999999999")]
    [InlineData("gid", "-99999999999999999999")]
    [InlineData("mtime", "99999999999999999999999.5")]
    public void APaxNumberOutOfRangeEndsItsShardAloneAndKeepsEveryPairBeforeIt(string key, string value)
    {
        string folder = Directory.CreateTempSubdirectory("mode-pax").FullName;
        File.WriteAllBytes(Path.Combine(folder, "a.tar"), [.. GoodShard(2), .. PaxMember(key, value), .. new byte[1024]]);
        File.WriteAllBytes(Path.Combine(folder, "b.tar"), [.. PaxMember(key, value), .. GoodShard(2), .. new byte[1024]]);
        File.WriteAllBytes(Path.Combine(folder, "c.tar"), [.. GoodShard(3), .. new byte[1024]]);

        var (report, pairs) = Ingest(folder, new SourceOptions { Source = Path.Combine(folder, "{a,b,c}.tar") });

        Assert.Equal(["a/k0", "a/k1", "c/k0", "c/k1", "c/k2"], pairs.Pairs.Select(p => p.Id).ToArray());
        Assert.Equal(1, report.Count(SkipReason.TruncatedShard));
        Assert.Equal(1, report.Count(SkipReason.UnreadableShard));
        Assert.Contains(report.Examples[IngestReport.Key(SkipReason.UnreadableShard)], e => e.StartsWith(Path.Combine(folder, "b.tar")));
    }

    /// <summary>A reader that gives <paramref name="records"/> records and then throws.</summary>
    sealed class FailingReader(int records, Exception error) : IPairReader
    {
        public string Path => "failing.tar";

        public IEnumerable<SourceRecord> Read(IngestReport report)
        {
            for (int i = 0; i < records; i++) yield return new SourceRecord($"failing/{i}", "a caption", ImageBytes: [1]);
            throw error;
        }
    }

    sealed class GoodReader : IPairReader
    {
        public string Path => "good.tar";

        public IEnumerable<SourceRecord> Read(IngestReport report) => [new("good/0", "a caption", ImageBytes: [1]), new("good/1", "a caption", ImageBytes: [1])];
    }

    [Theory]
    [Trait("Hostile", "class1")]
    [InlineData(0, "overflow")]
    [InlineData(0, "out of memory")]
    [InlineData(2, "null reference")]
    [InlineData(3, "index")]
    [InlineData(1, "format")]
    public void WhateverAReaderThrowsEndsItsFileAloneAsACountedSkip(int before, string kind)
    {
        Exception error = kind switch
        {
            "overflow" => new OverflowException("Value was either too large or too small for an Int64."),
            "out of memory" => new OutOfMemoryException(),
            "null reference" => new NullReferenceException(),
            "index" => new IndexOutOfRangeException(),
            _ => new FormatException("bad\nnumber"),
        };
        var report = new IngestReport();
        var log = new StringWriter();
        IPairReader[] readers = [new FailingReader(before, error), new GoodReader()];

        var records = readers.SelectMany(r => SourceIngest.Records(r, report, log)).ToList();

        Assert.Equal([.. Enumerable.Range(0, before).Select(i => $"failing/{i}"), "good/0", "good/1"], records.Select(r => r.Id).ToArray());
        Assert.Equal(before == 0 ? 1 : 0, report.Count(SkipReason.UnreadableShard));
        Assert.Equal(before == 0 ? 0 : 1, report.Count(SkipReason.TruncatedShard));
        string line = Assert.Single(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("ingest: failing.tar: ", line);
        Assert.Contains(error.GetType().Name, line);
    }

    /// <summary>A Parquet manifest naming images/red.jpg, then the same file with its footer length replaced.</summary>
    static async Task<string> ParquetWithFooterLength(string folder, long? footerLength)
    {
        string path = Path.Combine(folder, "list.parquet");
        await ParquetSerializer.SerializeAsync(new[] { new ManifestTests.PathRow { Image_Path = "images/red.jpg", Text = "red from parquet" } }, path);
        var bytes = File.ReadAllBytes(path);
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 8, 4), (uint)(footerLength ?? bytes.Length));
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [Trait("Hostile", "class1")]
    [InlineData(0x7FFFFFF0L)]
    [InlineData(0xFFFFFFFFL)]
    [InlineData(null)] // the file's own length: more than the footer can be
    [InlineData(0L)]
    public async Task AParquetFooterThatClaimsMoreThanTheFileHoldsIsUnreadableAndTheOtherManifestIsKept(long? footerLength)
    {
        string folder = Directory.CreateTempSubdirectory("mode-parquet-footer").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        File.WriteAllBytes(Path.Combine(folder, "images", "red.jpg"), TestImages.Solid(SKColors.Red));
        await ParquetWithFooterLength(folder, footerLength);
        File.WriteAllText(Path.Combine(folder, "other.csv"), "image_path,caption\nimages/red.jpg,red from csv\n");

        var (report, pairs) = Ingest(folder, new SourceOptions { Source = Path.Combine(folder, "{list.parquet,other.csv}") });

        Assert.Equal(["other/images/red.jpg"], pairs.Pairs.Select(p => p.Id).ToArray());
        Assert.Equal(1, report.Count(SkipReason.UnreadableShard));
        Assert.Contains("list.parquet", Assert.Single(report.Examples[IngestReport.Key(SkipReason.UnreadableShard)]));
    }

    [Theory]
    [Trait("Hostile", "class1")]
    [InlineData("image_path,caption\nimages/red.jpg,one\nimages/red.jpg,\"never closed\nimages/red.jpg,three\n", 1, ":3:")]
    [InlineData("image_path,caption\nimages/red.jpg,one\nimages/red.jpg,two,three\n", 1, ":3:1:")]
    [InlineData("image_path,title_of_it\nimages/red.jpg,one\n", 0, "no caption column")]
    [InlineData("image_path,caption\nimages/red.jpg,\"a \"quote\" inside\"\n", 0, ":2:")]
    public void AMalformedManifestEndsAtItsBadLineAndTheOtherManifestIsKept(string csv, int kept, string where)
    {
        string folder = Directory.CreateTempSubdirectory("mode-bad-csv").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        File.WriteAllBytes(Path.Combine(folder, "images", "red.jpg"), TestImages.Solid(SKColors.Red));
        File.WriteAllText(Path.Combine(folder, "bad.csv"), csv);
        File.WriteAllText(Path.Combine(folder, "good.csv"), "key,image_path,caption\n1,images/red.jpg,red\n2,images/red.jpg,red again\n");

        var (report, pairs) = Ingest(folder, new SourceOptions { Source = Path.Combine(folder, "{bad,good}.csv") });

        Assert.Equal(kept + 2, pairs.Pairs.Count);
        Assert.Equal(["good/1", "good/2"], pairs.Pairs.Skip(kept).Select(p => p.Id).ToArray());
        var reason = kept == 0 ? SkipReason.UnreadableShard : SkipReason.TruncatedShard;
        Assert.Contains(where, Assert.Single(report.Examples[IngestReport.Key(reason)]));
    }

    [Fact]
    [Trait("Hostile", "class2")]
    public void AManifestRecordLongerThanTheLargestRecordEndsTheManifestAsSoonAsItIsSeen()
    {
        string folder = Directory.CreateTempSubdirectory("mode-long-record").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        File.WriteAllBytes(Path.Combine(folder, "images", "red.jpg"), TestImages.Solid(SKColors.Red));
        var options = new SourceOptions { Source = Path.Combine(folder, "list.csv"), MaxImageBytes = 10_000, MaxCaptionBytes = 100, MaxBytesInFlight = 40_000 };
        File.WriteAllText(options.Source, "image_path,caption\nimages/red.jpg,fine\nimages/red.jpg,\"" + new string('x', 1_000_000) + "\"\nimages/red.jpg,after\n");

        var (report, pairs) = Ingest(folder, options);

        Assert.Equal(["list/images/red.jpg"], pairs.Pairs.Select(p => p.Id).ToArray());
        Assert.Contains($"record longer than {options.MaxRecordBytes / 2} characters", Assert.Single(report.Examples[IngestReport.Key(SkipReason.TruncatedShard)]));
    }

    /// <summary>Makes <paramref name="path"/> the kind of special file named: a FIFO (mkfifo), a link to a device, or a folder.</summary>
    static void MakeSpecial(string path, string kind)
    {
        switch (kind)
        {
            case "fifo":
                var (exit, output) = ChildProcess.Run("mkfifo", [path]);
                Assert.True(exit == 0, output);
                break;
            case "folder":
                Directory.CreateDirectory(path);
                break;
            default:
                File.CreateSymbolicLink(path, kind);
                break;
        }
    }

    [Theory]
    [Trait("Hostile", "class2")]
    [InlineData("fifo", 2, 2)]
    [InlineData("/dev/zero", 2, 3)]
    [InlineData("/dev/urandom", 2, 3)]
    [InlineData("folder", 1, 1)] // a folder named special.jpg holds no image, one named list2.csv is a folder source
    public void APathThatIsNotARegularFileIsCountedAndNeverOpened(string kind, int inFolder, int inList)
    {
        string folder = Directory.CreateTempSubdirectory("mode-special").FullName;
        string images = Path.Combine(folder, "images");
        Directory.CreateDirectory(images);
        File.WriteAllBytes(Path.Combine(images, "good.jpg"), TestImages.Solid(SKColors.Red));
        File.WriteAllText(Path.Combine(images, "good.txt"), "a red square");
        MakeSpecial(Path.Combine(images, "special.jpg"), kind); // an image that is not a file
        File.WriteAllText(Path.Combine(images, "special.txt"), "never read");
        File.WriteAllBytes(Path.Combine(images, "sidecar.jpg"), TestImages.Solid(SKColors.Blue));
        MakeSpecial(Path.Combine(images, "sidecar.txt"), kind); // a caption that is not a file
        File.WriteAllText(Path.Combine(folder, "list.csv"), $"key,image_path,caption\n1,images/good.jpg,red\n2,images/special.jpg,special\n3,{kind},named directly\n");
        MakeSpecial(Path.Combine(folder, "list2.csv"), kind); // a manifest that is not a file

        var fromFolder = Ingest(Path.Combine(folder, "a"), new SourceOptions { Source = images, Format = SourceFormat.Folder, AllowOutsidePaths = true });
        var fromList = Ingest(Path.Combine(folder, "b"), new SourceOptions { Source = Path.Combine(folder, "list{,2}.csv"), AllowOutsidePaths = true });

        Assert.Equal(["images/good"], fromFolder.Pairs.Pairs.Select(p => p.Id).ToArray());
        Assert.Equal(inFolder, fromFolder.Report.Count(SkipReason.NotARegularFile));
        Assert.Equal(["list/1"], fromList.Pairs.Pairs.Select(p => p.Id).ToArray());
        Assert.Equal(inList, fromList.Report.Count(SkipReason.NotARegularFile)); // row 3's relative "fifo" or "folder" names nothing
    }

    [Theory]
    [Trait("Hostile", "class2")]
    [InlineData("/proc/self/status", 100)]
    [InlineData("/proc/self/maps", 200)]
    public void AFileThatHoldsMoreThanItsLengthSaysIsReadOnlyToTheLimit(string path, int limit)
    {
        Assert.Equal(0, new FileInfo(path).Length); // as for every /proc file: the length says nothing
        Assert.Equal((SkipReason.TooLarge, $"{path}: more than {limit} bytes"), SourceFile.Read(path, limit, SkipReason.MissingImage, SkipReason.TooLarge, out var cut)!.Value);
        Assert.Empty(cut);
        Assert.Null(SourceFile.Read(path, 1 << 20, SkipReason.MissingImage, SkipReason.TooLarge, out var whole));
        Assert.True(whole.Length > limit);
    }

    [Theory]
    [Trait("Hostile", "class2")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("../..")]
    public void AnImageFolderIsNotSearchedThroughLinksToFolders(string target)
    {
        string folder = Directory.CreateTempSubdirectory("mode-link-loop").FullName;
        string images = Path.Combine(folder, "images"), sub = Path.Combine(images, "sub");
        Directory.CreateDirectory(sub);
        foreach (var (dir, name) in new[] { (images, "a"), (sub, "b") })
        {
            File.WriteAllBytes(Path.Combine(dir, name + ".jpg"), TestImages.Solid(SKColors.Red));
            File.WriteAllText(Path.Combine(dir, name + ".txt"), $"picture {name}");
        }
        Directory.CreateSymbolicLink(Path.Combine(sub, "loop"), target);
        Directory.CreateSymbolicLink(Path.Combine(images, "again"), "sub");

        var (_, pairs) = Ingest(folder, new SourceOptions { Source = images });

        Assert.Equal(["images/a", "images/sub/b"], pairs.Pairs.Select(p => p.Id).ToArray());
    }

    [Fact]
    [Trait("Hostile", "class2")]
    public void ACompressedShardOfLargeMembersNeverHoldsMoreThanTheBytesInFlight()
    {
        string folder = Directory.CreateTempSubdirectory("mode-gz-bomb").FullName;
        string shard = Path.Combine(folder, "bomb.tar.gz");
        using (var file = File.Create(shard))
        using (var gzip = new GZipStream(file, CompressionLevel.SmallestSize))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
            for (int i = 0; i < 24; i++)
            {
                byte[] image = TestImages.Solid(new SKColor((byte)(i * 10), 0, 0));
                Add(tar, $"{i:D3}.jpg", [.. image, .. new byte[(1 << 20) - image.Length]]); // 1 MiB: a JPEG, then zeros after its end marker
                Add(tar, $"{i:D3}.txt", Text($"red {i}"));
            }
        Assert.True(new FileInfo(shard).Length < 100_000);
        var options = new SourceOptions { Source = shard, MaxImageBytes = 1 << 20, MaxCaptionBytes = 1 << 10, MaxBytesInFlight = 4 << 20 };

        var (report, pairs) = Ingest(Path.Combine(folder, "two"), options);
        var (_, oneThread) = Ingest(Path.Combine(folder, "one"), options with { Threads = 1 });

        Assert.Equal(24, pairs.Pairs.Count);
        Assert.InRange(report.PeakBytesInFlight, 1L << 20, options.MaxBytesInFlight);
        for (int i = 0; i < 24; i++) Assert.Equal(pairs.Images.Image(i).ToArray(), oneThread.Images.Image(i).ToArray());
    }

    /// <summary>The caption of every kind of source, over <see cref="SourceOptions.MaxCaptionBytes"/> for "long".</summary>
    static async Task<string> SourceWithCaption(string folder, string where, string caption)
    {
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        File.WriteAllBytes(Path.Combine(folder, "images", "red.jpg"), TestImages.Solid(SKColors.Red));
        File.WriteAllBytes(Path.Combine(folder, "images", "blue.jpg"), TestImages.Solid(SKColors.Blue));
        File.WriteAllText(Path.Combine(folder, "images", "blue.txt"), "a blue square");
        switch (where)
        {
            case "sidecar":
                File.WriteAllText(Path.Combine(folder, "images", "red.txt"), caption);
                return Path.Combine(folder, "images");
            case "csv":
                File.WriteAllText(Path.Combine(folder, "list.csv"), $"image_path,caption\nimages/red.jpg,{caption}\nimages/blue.jpg,a blue square\n");
                return Path.Combine(folder, "list.csv");
            case "parquet":
                await ParquetSerializer.SerializeAsync(new[]
                {
                    new ManifestTests.PathRow { Image_Path = "images/red.jpg", Text = caption },
                    new ManifestTests.PathRow { Image_Path = "images/blue.jpg", Text = "a blue square" },
                }, Path.Combine(folder, "list.parquet"));
                return Path.Combine(folder, "list.parquet");
            default:
                using (var file = File.Create(Path.Combine(folder, "shard.tar")))
                using (var tar = new TarWriter(file, TarEntryFormat.Pax))
                {
                    Add(tar, "red.jpg", TestImages.Solid(SKColors.Red));
                    Add(tar, where == "tar json" ? "red.json" : "red.txt", Text(where == "tar json" ? $$"""{"caption": "{{caption}}"}""" : caption));
                    Add(tar, "blue.jpg", TestImages.Solid(SKColors.Blue));
                    Add(tar, "blue.txt", Text("a blue square"));
                }
                return Path.Combine(folder, "shard.tar");
        }
    }

    [Theory]
    [Trait("Hostile", "class2")]
    [InlineData("tar txt")]
    [InlineData("tar json")]
    [InlineData("csv")]
    [InlineData("parquet")]
    [InlineData("sidecar")]
    public async Task ACaptionOverTheLimitIsCountedWhereverItComesFrom(string where)
    {
        string folder = Directory.CreateTempSubdirectory("mode-long-caption").FullName;
        string caption = new('a', 400_000); // one 400 KB word
        string source = await SourceWithCaption(folder, where, caption);

        var (report, pairs) = Ingest(folder, new SourceOptions { Source = source });

        Assert.Equal(["a blue square"], pairs.Pairs.Select(p => p.Caption).ToArray());
        Assert.Equal(1, report.Count(SkipReason.CaptionTooLong));
        Assert.Equal(1, report.SkippedTotal);
    }

    [Fact]
    [Trait("Hostile", "class2")]
    public async Task AParquetRowGroupClaimingMoreThanTheBytesInFlightIsSkippedAndTheNextIsRead()
    {
        string folder = Directory.CreateTempSubdirectory("mode-parquet-group").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        File.WriteAllBytes(Path.Combine(folder, "images", "red.jpg"), TestImages.Solid(SKColors.Red));
        string path = Path.Combine(folder, "list.parquet");
        var big = Enumerable.Range(0, 300).Select(i => new ManifestTests.PathRow { Image_Path = "images/red.jpg", Text = $"caption {i} " + new string('x', 50) });
        await ParquetSerializer.SerializeAsync(big, path);
        await ParquetSerializer.SerializeAsync(new[] { new ManifestTests.PathRow { Image_Path = "images/red.jpg", Text = "small group" } }, path, new Parquet.ParquetOptions { Append = true });
        var options = new SourceOptions { Source = path, MaxImageBytes = 2_000, MaxCaptionBytes = 100, MaxBytesInFlight = 8_000 };

        var (report, pairs) = Ingest(folder, options);

        Assert.Equal(["small group"], pairs.Pairs.Select(p => p.Caption).ToArray());
        Assert.Contains("300 rows", Assert.Single(report.Examples[IngestReport.Key(SkipReason.TooLarge)]));
    }
}
