using System.Buffers.Binary;
using MoDE.Data;
using MoDE.Storage;
using MoDE.Tests.Train;
using Xunit;

namespace MoDE.Tests.Data;

public class ImageSetTests
{
    static string Folder() => Directory.CreateTempSubdirectory("mode-images-").FullName;

    [Fact]
    public void MappedShardsReadAsTheImagesWritten()
    {
        string root = Folder();
        var (memory, _) = SyntheticPairs.Create(50, size: 8);
        memory.Save(Path.Combine(root, "images"), shardBytes: 7 * memory.ImageBytes + 5); // 7 images a shard: 8 shards, the last of 1
        Assert.Equal([.. Enumerable.Range(0, 8).Select(ImageSetWriter.ShardName)], Directory.GetFiles(Path.Combine(root, "images")).Select(Path.GetFileName).Order());
        using var mapped = ImageSet.Open(Path.Combine(root, "images"));
        Assert.Equal((50, 8, 8), (mapped.Count, mapped.Height, mapped.Width));
        for (int i = 0; i < 50; i++) Assert.True(memory.Image(i).SequenceEqual(mapped.Image(i)), $"image {i}");
        int[] rows = [49, 0, 7, 6, 13, 14];
        Assert.Equal(Copy(memory, rows), Copy(mapped, rows));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapped.Image(50).Length);

        // A shard is plain NumPy: uint8 [n, H, W, 3] in C order after the header.
        var (descr, shape, offset) = Npy.ReadHeader(Path.Combine(root, "images", "00001.npy"));
        Assert.Equal("|u1", descr);
        Assert.Equal([7, 8, 8, 3], shape);
        Assert.Equal(memory.Image(7).ToArray(), File.ReadAllBytes(Path.Combine(root, "images", "00001.npy"))[(int)offset..][..memory.ImageBytes]);
    }

    static byte[] Copy(ImageSet images, int[] rows)
    {
        var buffer = new byte[rows.Length * images.ImageBytes];
        images.CopyImages(rows, buffer);
        return buffer;
    }

    [Fact]
    public void AnIngestWritesShardsOfTheSizeAsked()
    {
        string root = Folder(), images = Path.Combine(root, "source");
        Directory.CreateDirectory(images);
        for (int i = 0; i < 12; i++)
        {
            File.WriteAllBytes(Path.Combine(images, $"{i:D3}.jpg"), TestImages.Noise(40 + i, 30, seed: i));
            File.WriteAllText(Path.Combine(images, $"{i:D3}.txt"), $"picture {i}");
        }
        var options = new MoDE.Data.Ingest.SourceOptions { Source = images, ImageSize = 16 };
        var whole = new RunLayout(Path.Combine(root, "whole"));
        var sharded = new RunLayout(Path.Combine(root, "sharded"));
        MoDE.Data.Ingest.IngestStage.Run(whole, options, TextWriter.Null);
        MoDE.Data.Ingest.IngestStage.Run(sharded, options with { ShardBytes = 5 * 16 * 16 * 3 }, TextWriter.Null);
        Assert.Single(Directory.GetFiles(whole.Images));
        Assert.Equal(3, Directory.GetFiles(sharded.Images).Length); // 5 + 5 + 2
        using var a = ImageSet.Open(whole.Images);
        using var b = ImageSet.Open(sharded.Images);
        Assert.Equal(12, b.Count);
        Assert.Equal(ImageSetBytes.Pixels(a), ImageSetBytes.Pixels(b));
    }

    [Fact]
    public void AnEmptySetKeepsItsSize()
    {
        string folder = Path.Combine(Folder(), "images");
        new ImageSet(0, 5, 6, []).Save(folder);
        using var empty = ImageSet.Open(folder);
        Assert.Equal((0, 5, 6), (empty.Count, empty.Height, empty.Width));
    }

    /// <summary>Three sparse shards of 7,000 images at 224 px, 3.16 GB in all: one image written past the 2^31 bytes a
    /// single array held is read back through the map, and its neighbours read as the zeros the holes hold.</summary>
    [Fact]
    public void ReadsAnImageBeyondTwoGibibytes()
    {
        string folder = Path.Combine(Folder(), "images");
        Directory.CreateDirectory(folder);
        const int PerShard = 7_000, Size = 224, ImageBytes = Size * Size * 3;
        const long Far = 20_123; // byte offset 3.03e9 in the set, past 2^31
        Assert.True(Far * ImageBytes > int.MaxValue);
        var image = new byte[ImageBytes];
        new Random(3).NextBytes(image);
        try
        {
            for (int s = 0; s < 3; s++)
            {
                using var shard = new FileStream(Path.Combine(folder, ImageSetWriter.ShardName(s)), FileMode.CreateNew);
                Npy.WriteHeader(shard, ImageSet.NpyType, $"({PerShard}, {Size}, {Size}, 3)");
                long start = shard.Position;
                shard.SetLength(start + (long)PerShard * ImageBytes);
                if (s != Far / PerShard) continue;
                shard.Position = start + Far % PerShard * ImageBytes;
                shard.Write(image);
            }
            using var set = ImageSet.Open(folder);
            Assert.Equal(3 * PerShard, set.Count);
            Assert.True(set.Image(Far).SequenceEqual(image));
            Assert.True(set.Image(Far - 1).IndexOfAnyExcept((byte)0) < 0);
            Assert.True(set.Image(Far + 1).IndexOfAnyExcept((byte)0) < 0);
            Assert.Equal(image, Copy(set, [(int)Far])); // the loader's positioned read, at a file offset past 2^31 in the set
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void AWriterStoppedMidwayLeavesNoPartialShardAndNoFolder()
    {
        string root = Folder(), target = Path.Combine(root, "images");
        var (images, _) = SyntheticPairs.Create(10, size: 4);
        new ImageSet(1, 4, 4, images.Image(9).ToArray()).Save(target); // the set a rewrite replaces
        var writer = new ImageSetWriter(target, 4, 4, shardBytes: 4 * images.ImageBytes);
        for (int i = 0; i < 10; i++) writer.Add(images.Image(i)); // two full shards, the third open with 2 images
        // Killed here: no commit, no dispose. Only whole shards carry a shard's name; the target is the old set.
        string temp = Assert.Single(Directory.GetDirectories(root), d => d != target);
        var named = Directory.GetFiles(temp, "*.npy").Order().ToList();
        Assert.Equal(["00000.npy", "00001.npy"], named.Select(Path.GetFileName));
        foreach (string shard in named) Assert.Equal([4, 4, 4, 3], Npy.ReadHeader(shard).Shape);
        Assert.Single(Directory.GetFiles(temp, "*.tmp"));
        using (var old = ImageSet.Open(target)) Assert.Equal(1, old.Count);

        writer.Commit();
        writer.Dispose();
        Assert.Equal([target], Directory.GetDirectories(root));
        using var written = ImageSet.Open(target);
        Assert.Equal(ImageSetBytes.Pixels(images), ImageSetBytes.Pixels(written));

        var abandoned = new ImageSetWriter(target, 4, 4);
        abandoned.Add(images.Image(0));
        abandoned.Dispose(); // disposed without a commit: its folder goes, the target stays
        Assert.Equal([target], Directory.GetDirectories(root));
        using var kept = ImageSet.Open(target);
        Assert.Equal(10, kept.Count);
    }

    [Fact]
    public void AKilledWritersFolderIsRemovedAsStale()
    {
        string root = Folder(), target = Path.Combine(root, "images");
        var (images, _) = SyntheticPairs.Create(3, size: 4);
        images.Save(target);
        var writer = new ImageSetWriter(target, 4, 4, shardBytes: images.ImageBytes);
        for (int i = 0; i < 3; i++) writer.Add(images.Image(i)); // three whole shards in the temporary folder, never committed
        Assert.Equal(0, AtomicFile.RemoveStale([root], all: false)); // its writer, this process, is alive
        Assert.Equal(1, AtomicFile.RemoveStale([root], all: true));  // a holder of the whole stage removes it
        Assert.Equal([target], Directory.GetDirectories(root));
        using var kept = ImageSet.Open(target);
        Assert.Equal(3, kept.Count);
    }

    /// <summary>The single file of runs before shards, as that format wrote it.</summary>
    static void WriteLegacy(string path, ImageSet images, int? claimed = null)
    {
        using var file = File.Create(path);
        var header = new byte[LegacyImageFile.HeaderBytes];
        "MODEIMG\0"u8.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), 1);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), claimed ?? images.Count);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(16), images.Height);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(20), images.Width);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(24), ImageSet.Channels);
        file.Write(header);
        file.Write(ImageSetBytes.Pixels(images));
    }

    [Fact]
    public void AnOldImagesFileIsConvertedOnFirstRead()
    {
        var run = new RunLayout(Folder());
        var generated = MoDE.Data.Synthetic.SyntheticWeb.GeneratePairs(new MoDE.Data.Synthetic.SyntheticWebOptions { Pairs = 30, ImageSize = 8 });
        PairStore.Save(generated, run.Pairs, run.Images);
        Directory.Delete(run.Images, recursive: true);
        string legacy = Path.Combine(run.Root, "pairs", "images.bin");
        WriteLegacy(legacy, generated.Images);
        Assert.True(ImageSet.Exists(run.Images));

        using var pairs = PairStore.Load(run.Pairs, run.Images).Images;
        Assert.Equal(ImageSetBytes.Pixels(generated.Images), ImageSetBytes.Pixels(pairs));
        Assert.False(File.Exists(legacy));
        Assert.True(Directory.Exists(run.Images));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(run.Root, "pairs"), "*.tmp"));
    }

    [Fact]
    public void ABadOldImagesFileIsOneLineNamingIt()
    {
        string folder = Path.Combine(Folder(), "images");
        var (images, _) = SyntheticPairs.Create(3, size: 4);
        WriteLegacy(folder + ".bin", images, claimed: 4); // the header promises more images than the file holds
        var error = Assert.Throws<InvalidDataException>(() => ImageSet.Open(folder));
        Assert.Contains("images.bin: expected 192 pixel bytes, file holds 144", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.True(File.Exists(folder + ".bin"));
        Assert.False(Directory.Exists(folder));
    }

    [Theory]
    [InlineData("gap")]
    [InlineData("type")]
    [InlineData("size")]
    public void AShardThatDoesNotFitIsRefusedByName(string fault)
    {
        string folder = Path.Combine(Folder(), "images");
        var (images, _) = SyntheticPairs.Create(4, size: 4);
        images.Save(folder, shardBytes: 2 * images.ImageBytes);
        string second = Path.Combine(folder, "00001.npy");
        switch (fault)
        {
            case "gap": File.Move(second, Path.Combine(folder, "00002.npy")); break;
            case "type": Npy.Write(second, new int[2 * images.ImageBytes / 4]); break;
            case "size":
                File.Delete(second);
                new ImageSet(2, 2, 8, new byte[96]).Save(Path.Combine(folder, "other"));
                File.Move(Path.Combine(folder, "other", "00000.npy"), second);
                break;
        }
        var error = Assert.Throws<InvalidDataException>(() => ImageSet.Open(folder));
        Assert.Contains(fault == "gap" ? "00002.npy" : "00001.npy", error.Message);
    }
}
