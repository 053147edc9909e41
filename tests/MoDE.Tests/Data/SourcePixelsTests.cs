using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Data.Synthetic;
using MoDE.Eval;
using MoDE.Run;
using MoDE.Storage;
using MoDE.Train;
using SkiaSharp;

namespace MoDE.Tests.Data;

/// <summary>
/// Training reads the source's WebDataset shards in place (<see cref="PixelStore.Source"/>): the same pixels, the same
/// batches and the same held-out split as from stored pixels, and a source shard changed after ingest stops the run
/// with one line naming it.
/// </summary>
public sealed class SourcePixelsTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("mode-source-pixels").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>
    /// WebDataset shards of <paramref name="count"/> built-in web pairs, <paramref name="perShard"/> a shard, in the
    /// three tar formats by turn (pax, GNU, ustar headers put the data at different offsets): images as JPEG and PNG by
    /// turn, every 13th a JPEG cut in half (skipped by ingest), and the first <paramref name="repeated"/> images again at
    /// the end, byte for byte under another key and caption. Returns the shard pattern.
    /// </summary>
    internal static string WriteShards(string folder, int count, int perShard, int repeated = 0, string extension = ".tar")
    {
        Directory.CreateDirectory(folder);
        var pairs = SyntheticWeb.GeneratePairs(new SyntheticWebOptions { Pairs = count, Seed = 9, ImageSize = 40 });
        var samples = Enumerable.Range(0, count).Select(i =>
        {
            byte[] image = Encode(pairs.Images.Image(i), 40, i % 2 == 0 ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png);
            return (Key: $"s{i:D4}", Image: i % 13 == 5 ? image[..(image.Length / 2)] : image, Extension: i % 2 == 0 ? "jpg" : "png", Caption: pairs.Pairs[i].Caption);
        }).ToList();
        samples.AddRange(samples.Take(repeated).Select(s => (Key: $"again-{s.Key}", s.Image, s.Extension, Caption: $"another caption of {s.Key}")));
        TarEntryFormat[] formats = [TarEntryFormat.Pax, TarEntryFormat.Gnu, TarEntryFormat.Ustar];
        int shards = (samples.Count + perShard - 1) / perShard;
        for (int s = 0; s < shards; s++)
        {
            using var file = File.Create(Path.Combine(folder, $"{s:D5}{extension}"));
            using Stream stream = extension == ".tar" ? file : new GZipStream(file, CompressionLevel.Fastest);
            using var tar = new TarWriter(stream, formats[s % formats.Length]);
            foreach (var sample in samples.Skip(s * perShard).Take(perShard))
            {
                Add(tar, formats[s % formats.Length], $"{sample.Key}.{sample.Extension}", sample.Image);
                Add(tar, formats[s % formats.Length], $"{sample.Key}.txt", Encoding.UTF8.GetBytes(sample.Caption));
            }
        }
        return Path.Combine(folder, $"{{00000..{shards - 1:D5}}}{extension}");
    }

    static void Add(TarWriter tar, TarEntryFormat format, string name, byte[] data)
    {
        TarEntry entry = format switch
        {
            TarEntryFormat.Pax => new PaxTarEntry(TarEntryType.RegularFile, name),
            TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.RegularFile, name),
            _ => new UstarTarEntry(TarEntryType.RegularFile, name),
        };
        entry.DataStream = new MemoryStream(data);
        tar.WriteEntry(entry);
    }

    internal static byte[] Encode(ReadOnlySpan<byte> rgb, int side, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var rgba = bitmap.GetPixelSpan();
        for (int p = 0; p < side * side; p++) { rgba[4 * p] = rgb[3 * p]; rgba[4 * p + 1] = rgb[3 * p + 1]; rgba[4 * p + 2] = rgb[3 * p + 2]; rgba[4 * p + 3] = 255; }
        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    static byte[] AllPixels(IImageRows images)
    {
        var all = new byte[(long)images.Count * images.ImageBytes];
        images.CopyImages([.. Enumerable.Range(0, images.Count)], all);
        return all;
    }

    RunLayout Ingest(string name, SourceOptions options, TextWriter? log = null)
    {
        var run = new RunLayout(Path.Combine(root, name));
        IngestStage.Run(run, options with { Threads = 2 }, log ?? TextWriter.Null);
        return run;
    }

    static List<BatchLoader.Batch> Batches(IImageRows images, int steps)
    {
        var tokens = Enumerable.Range(0, images.Count).Select(i => new long[] { i }).ToArray();
        using var loader = new BatchLoader(TrainingData.All(images, tokens), batchSize: 8, seed: 4, cropScale: 0.5, 0, steps, workers: 2);
        return [.. Enumerable.Range(0, steps).Select(loader.Take)];
    }

    [Fact]
    public void ReadingTheShardsInPlaceGivesTheStoredPixelsAndBatches()
    {
        var options = new SourceOptions { Source = WriteShards(Path.Combine(root, "source"), 60, perShard: 20), ImageSize = 24, HeldOut = 0 };
        var stored = Ingest("stored", options with { Pixels = PixelStore.Stored });
        var direct = Ingest("direct", options with { Pixels = PixelStore.Source });

        Assert.Equal(File.ReadAllText(stored.Pairs), File.ReadAllText(direct.Pairs));
        Assert.Equal([SourceImageSet.LocationsFile, SourceImageSet.SourcesFile], Directory.GetFiles(direct.Images).Select(Path.GetFileName).Order());
        Assert.Equal(PixelStore.Source, IngestReport.Load(direct.IngestReport).Pixels);
        using var fromStore = RunImages.Open(stored.Images);
        using var fromSource = RunImages.Open(direct.Images);
        Assert.IsType<ImageSet>(fromStore);
        Assert.IsType<SourceImageSet>(fromSource);
        Assert.Equal(60 - 5, fromSource.Count); // rows 5, 18, 31, 44, 57 are cut JPEGs
        Assert.Equal(AllPixels(fromStore), AllPixels(fromSource));
        for (int row = 0; row < fromStore.Count; row++) Assert.Equal(fromStore.PixelHash(row), fromSource.PixelHash(row));

        var a = Batches(fromStore, 9); // 6 steps a pass: the second pass reorders
        var b = Batches(fromSource, 9);
        for (int step = 0; step < a.Count; step++)
        {
            Assert.Equal(a[step].Images, b[step].Images);
            Assert.Equal(a[step].Tokens, b[step].Tokens);
        }
    }

    [Theory]
    [InlineData(PixelStore.Auto, 24, ".tar", PixelStore.Stored)]
    [InlineData(PixelStore.Auto, SourceOptions.SourcePixelsFromSize, ".tar", PixelStore.Source)]
    [InlineData(PixelStore.Stored, 224, ".tar", PixelStore.Stored)]
    [InlineData(PixelStore.Source, 24, ".tar.gz", PixelStore.Stored)]
    public void AutoReadsUncompressedShardsInPlaceFromItsSize(PixelStore asked, int size, string extension, PixelStore chosen)
    {
        var log = new StringWriter();
        var options = new SourceOptions { Source = WriteShards(Path.Combine(root, "source"), 6, perShard: 3, extension: extension), ImageSize = size, HeldOut = 0, Pixels = asked };
        var run = Ingest("run", options, log);

        Assert.Equal(chosen, IngestReport.Load(run.IngestReport).Pixels);
        Assert.Equal(chosen == PixelStore.Source, SourceImageSet.In(run.Images));
        using var images = RunImages.Open(run.Images);
        Assert.Equal((5, size), (images.Count, images.Height));
        Assert.Equal(extension != ".tar", log.ToString().Contains("only uncompressed WebDataset .tar shards can be read in place"));
    }

    [Fact]
    public void TheHeldOutSplitIsTheSameOnEitherPixels()
    {
        var options = new SourceOptions { Source = WriteShards(Path.Combine(root, "source"), 240, perShard: 100, repeated: 60), ImageSize = 24 };
        var stored = Ingest("stored", options with { Pixels = PixelStore.Stored });
        var direct = Ingest("direct", options with { Pixels = PixelStore.Source });

        var storedTask = Assert.IsType<RetrievalTask>(TaskFolder.Load(stored.Task(HeldOutSplit.TaskName), 24));
        var directTask = Assert.IsType<RetrievalTask>(TaskFolder.Load(direct.Task(HeldOutSplit.TaskName), 24));
        Assert.InRange(directTask.Images.Count, 80, 100); // 100 rows drawn; pixel-identical repeats are one image
        Assert.True(directTask.Captions.Count > directTask.Images.Count); // a held-out image took its repeat's caption along
        Assert.Equal(storedTask.Captions, directTask.Captions);
        Assert.Equal(storedTask.ImageOfCaption, directTask.ImageOfCaption);
        Assert.Equal(AllPixels(storedTask.Images), AllPixels(directTask.Images));
        Assert.Equal(File.ReadAllText(stored.Pairs), File.ReadAllText(direct.Pairs));
        using var storedRest = RunImages.Open(stored.Images);
        using var directRest = RunImages.Open(direct.Images);
        Assert.IsType<SourceImageSet>(directRest);
        Assert.Equal(AllPixels(storedRest), AllPixels(directRest));
        var heldOut = Enumerable.Range(0, directTask.Images.Count).Select(i => Convert.ToHexString(directTask.Images.Image(i))).ToHashSet();
        var training = AllPixels(directRest).Chunk(directRest.ImageBytes).Select(Convert.ToHexString);
        Assert.DoesNotContain(training, heldOut.Contains);
    }

    [Theory]
    [Trait("Hostile", "class1")]
    [InlineData("moved")]
    [InlineData("truncated")]
    [InlineData("rewritten")]
    [InlineData("rewritten, time kept")]
    public void ASourceShardChangedAfterIngestIsOneLineNamingIt(string change)
    {
        var options = new SourceOptions { Source = WriteShards(Path.Combine(root, "source"), 12, perShard: 6), ImageSize = 24, HeldOut = 0, Pixels = PixelStore.Source };
        var run = Ingest("run", options);
        string shard = Path.Combine(root, "source", "00001.tar");
        var modified = File.GetLastWriteTimeUtc(shard);
        byte[] bytes = File.ReadAllBytes(shard);
        switch (change)
        {
            case "moved": File.Move(shard, shard + ".old"); break;
            case "truncated": File.WriteAllBytes(shard, bytes[..(bytes.Length / 2)]); break;
            default:
                // The same length, the middle third of the first image's data changed (row 5: shard 0 lost its cut JPEG).
                int header = bytes.AsSpan().IndexOf("s0006.jpg"u8);
                Assert.True(header >= 0 && header % 512 == 0);
                int length = Convert.ToInt32(Encoding.ASCII.GetString(bytes, header + 124, 11), 8); // a GNU header's size field, octal
                for (int i = header + 512 + length / 3; i < header + 512 + 2 * length / 3; i++) bytes[i] ^= 0x55;
                File.WriteAllBytes(shard, bytes);
                if (change.EndsWith("kept")) File.SetLastWriteTimeUtc(shard, modified);
                break;
        }

        var error = Assert.ThrowsAny<InvalidDataException>(() =>
        {
            using var images = RunImages.Open(run.Images);
            AllPixels(images);
        });
        Assert.StartsWith($"{shard}: this source shard changed since ingest", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        if (change.EndsWith("kept")) Assert.Contains("the image of row 5", error.Message);
        var status = new StringWriter();
        RunStatus.Write(run, status);
        Assert.Equal(!change.EndsWith("kept"), status.ToString().Contains($"ingest     done, but {shard}: this source shard changed"));
    }
}
