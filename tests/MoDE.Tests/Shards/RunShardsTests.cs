using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MoDE.Cluster;
using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Data.Synthetic;
using MoDE.Embed;
using MoDE.Shards;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Train;
using SkiaSharp;

namespace MoDE.Tests.Shards;

/// <summary>
/// <c>mode shards</c> (<see cref="RunShards"/>): every shard set read back, with MoDE.NET's own WebDataset reader and with Python's
/// tarfile, holds its planned samples in the seeded order (keys from the pair ids, the captions, the original image bytes), each expert
/// pass the trainer's own pass, and shards within the size limits; a rerun keeps finished shards; a changed source, a foreign shard
/// folder or a path open_clip cannot take is one error naming it.
/// </summary>
public sealed class RunShardsTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("mode-shards").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    static readonly TrainOptions Train = new() { Steps = 8, BatchSize = 32, WarmupSteps = 2, Seed = 5 };

    /// <summary>Every sample of the set in <paramref name="folder"/>, as MoDE.NET's WebDataset reader gives it: key, caption, image bytes.</summary>
    static List<(string Key, string Caption, byte[] Image)> ReadBack(string folder)
    {
        var manifest = ShardManifest.Load(folder);
        var samples = new List<(string, string, byte[])>();
        for (int s = 0; s < manifest.ShardSamples.Count; s++)
        {
            var report = new IngestReport();
            var records = new TarShardReader(Path.Combine(folder, ShardManifest.ShardName(s)), new SourceOptions(), "x").Read(report).ToList();
            Assert.Equal(0, report.SkippedTotal);
            Assert.Equal(manifest.ShardSamples[s], records.Count);
            samples.AddRange(records.Select(r => (r.Id["x/".Length..], r.Caption, r.ImageBytes!)));
        }
        return samples;
    }

    /// <summary>The shard files of a set: as many as the manifest's brace list names, each within the limits.</summary>
    static void AssertSizes(string folder, ShardOptions options)
    {
        var manifest = ShardManifest.Load(folder);
        Assert.Equal(ShardManifest.BraceList(folder, manifest.ShardSamples.Count), manifest.TrainData);
        Assert.Equal(manifest.ShardSamples.Count, Directory.GetFiles(folder, "*.tar").Length);
        Assert.Equal(manifest.Samples, manifest.ShardSamples.Sum());
        long total = 0;
        for (int s = 0; s < manifest.ShardSamples.Count; s++)
        {
            long bytes = new FileInfo(Path.Combine(folder, ShardManifest.ShardName(s))).Length;
            total += bytes;
            Assert.InRange(manifest.ShardSamples[s], 1, options.ShardSamples);
            if (manifest.ShardSamples[s] > 1) Assert.InRange(bytes, 1, options.ShardBytes);
        }
        Assert.Equal(manifest.Bytes, total);
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
    }

    static ShardSample[] Planned(RunLayout run, string set, ShardOptions options)
    {
        if (set == ShardPlan.All) return ShardPlan.AllData(Npy.ReadVector(run.EmbeddedPairs), options.Seed);
        return ShardPlan.Expert(ExpertData.Load(run)[int.Parse(set["expert_".Length..])], Train, options.Seed);
    }

    [Fact]
    public void The_built_in_runs_shards_hold_the_planned_samples_as_lossless_png_and_each_expert_pass_is_the_trainers()
    {
        var run = SplitRun.Copy("mode-shards-run");
        var options = new ShardOptions { To = Path.Combine(root, "shards"), ShardBytes = 60_000, ShardSamples = 50, Seed = 11 };
        var manifests = RunShards.Write(run, options, Train, TextWriter.Null);

        var pairs = PairStore.ReadCaptions(run.Pairs);
        using var images = ImageSet.Open(run.Images);
        var experts = ExpertData.Load(run);
        Assert.Equal([ShardPlan.All, .. experts.Select(e => RunModels.Expert(e.Expert))], manifests.Select(m => m.Set));
        foreach (var manifest in manifests)
        {
            string folder = Path.Combine(options.To, manifest.Set);
            AssertSizes(folder, options);
            Assert.True(manifest.ShardSamples.Count > 2, $"{manifest.Set}: {manifest.ShardSamples.Count} shards");
            var planned = Planned(run, manifest.Set, options);
            var read = ReadBack(folder);
            Assert.Equal(planned.Select(s => s.Key(pairs[s.Row].Id)), read.Select(r => r.Key));
            var rgb = new byte[images.ImageBytes];
            for (int i = 0; i < planned.Length; i++)
            {
                Assert.Equal(pairs[planned[i].Row].Caption, read[i].Caption);
                images.CopyImages([planned[i].Row], rgb);
                Assert.Equal(rgb, Rgb(read[i].Image));
            }
        }
        Assert.Equal(Npy.ReadVector(run.EmbeddedPairs).Order(), Planned(run, ShardPlan.All, options).Select(s => s.Row).Order());

        // Each pass an expert's shards hold is the pass the in-process trainer runs: its own pairs and the same out-of-cluster draw.
        var tokens = new long[images.Count][];
        foreach (var expert in experts)
        {
            var samples = Planned(run, RunModels.Expert(expert.Expert), options);
            var sampler = new PassSampler(new TrainingData(images, tokens, expert.Rows, expert.OutOfClusterRows, expert.OutOfClusterRatio), Train.BatchSize, Train.Seed);
            var passes = samples.Select(s => s.Pass).Distinct().Order().ToList();
            Assert.Equal(Enumerable.Range(Train.SeedSteps / sampler.StepsPerPass, (Train.Steps - 1) / sampler.StepsPerPass - Train.SeedSteps / sampler.StepsPerPass + 1), passes);
            foreach (int pass in passes)
                Assert.Equal(sampler.Order(pass).Order(), samples.Where(s => s.Pass == pass).Select(s => s.Row).Order());
            Assert.Contains(samples, s => !expert.Rows.Contains(s.Row));
        }
        Assert.Contains("lossless PNG", manifests[0].Images);
    }

    /// <summary>RGB pixels of an encoded image.</summary>
    static byte[] Rgb(byte[] encoded)
    {
        using var bitmap = SKBitmap.Decode(encoded);
        using var rgba = bitmap.Copy(SKColorType.Rgba8888);
        var pixels = rgba.GetPixelSpan();
        var rgb = new byte[bitmap.Width * bitmap.Height * 3];
        for (int p = 0; p < bitmap.Width * bitmap.Height; p++) { rgb[3 * p] = pixels[4 * p]; rgb[3 * p + 1] = pixels[4 * p + 1]; rgb[3 * p + 2] = pixels[4 * p + 2]; }
        return rgb;
    }

    /// <summary>
    /// A WebDataset source of 120 built-in pairs as JPEG, PNG and WebP, with keys WebDataset allows but a shard key must escape (spaces,
    /// '%', '_p3', non-ASCII, 150 characters), ingested, embedded, clustered into two experts and split. Returns the run and each pair
    /// id's original image bytes.
    /// </summary>
    (RunLayout Run, Dictionary<string, byte[]> Originals, string Source) SourceRun(string name)
    {
        string folder = Path.Combine(root, name + "-source");
        Directory.CreateDirectory(folder);
        const int pairs = 120;
        var data = SyntheticWeb.GeneratePairs(new SyntheticWebOptions { Pairs = pairs, Seed = 3, ImageSize = 36 });
        var originals = new Dictionary<string, byte[]>();
        for (int s = 0; s < 2; s++)
        {
            using var tar = new TarWriter(File.Create(Path.Combine(folder, $"{s:D5}.tar")), TarEntryFormat.Pax);
            for (int i = s * pairs / 2; i < (s + 1) * pairs / 2; i++)
            {
                string key = (i % 5) switch
                {
                    0 => $"with space {i}", 1 => $"per%cent_p3 {i}", 2 => $"café-{i}", 3 => new string('k', 150) + i, _ => $"plain{i}",
                };
                var format = (i % 3) switch { 0 => SKEncodedImageFormat.Jpeg, 1 => SKEncodedImageFormat.Png, _ => SKEncodedImageFormat.Webp };
                byte[] image = MoDE.Tests.Data.SourcePixelsTests.Encode(data.Images.Image(i), 36, format);
                string extension = format switch { SKEncodedImageFormat.Jpeg => "jpg", SKEncodedImageFormat.Png => "png", _ => "webp" };
                Add(tar, $"{key}.{extension}", image);
                Add(tar, $"{key}.txt", Encoding.UTF8.GetBytes(data.Pairs[i].Caption));
                originals[$"{s:D5}/{key}"] = image;
            }
        }
        var run = new RunLayout(Path.Combine(root, name + " run $HOME"));
        var log = new StringWriter();
        string source = Path.Combine(folder, "{00000..00001}.tar");
        IngestStage.Run(run, new SourceOptions { Source = source, ImageSize = 32, HeldOut = 0, Threads = 2 }, log);
        EmbedStage.Run(run, new EmbedOptions(), log);
        ClusterStage.Run(run, new ClusterOptions { FineClusters = 6, CoarseClusters = 2, FineIterations = 5, CoarseIterations = 10 }, log);
        SplitStage.Run(run, new SplitOptions(), log);
        return (run, originals, folder);
    }

    static void Add(TarWriter tar, string name, byte[] data) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });

    const string TarfileScript = """
        import hashlib, json, sys, tarfile
        for path in sys.argv[1:]:
            with tarfile.open(path) as tar:
                for member in tar:
                    data = tar.extractfile(member).read()
                    print(json.dumps([member.name, hashlib.sha256(data).hexdigest(), data.decode("utf-8") if member.name.endswith(".txt") else ""]))
        """;

    [FactWithPython3]
    public void A_source_runs_shards_read_by_pythons_tarfile_hold_the_original_bytes_under_keys_that_give_back_the_ids()
    {
        var (run, originals, _) = SourceRun("tarfile");
        var options = new ShardOptions { To = Path.Combine(root, "to"), ShardBytes = 40_000, Seed = 2 };
        var manifests = RunShards.Write(run, options, Train, TextWriter.Null);
        var pairs = PairStore.ReadCaptions(run.Pairs);
        foreach (var manifest in manifests)
        {
            string folder = Path.Combine(options.To, manifest.Set);
            AssertSizes(folder, options);
            var shards = Enumerable.Range(0, manifest.ShardSamples.Count).Select(s => Path.Combine(folder, ShardManifest.ShardName(s))).ToList();
            var (code, output) = ChildProcess.Run(FactWithPyTorchAttribute.Python, ["-c", TarfileScript, .. shards]);
            Assert.True(code == 0, output);
            var members = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize<string[]>(l)!).ToList();
            var planned = Planned(run, manifest.Set, options);
            Assert.Equal(3 * planned.Length, members.Count);
            for (int i = 0; i < planned.Length; i++)
            {
                var pair = pairs[planned[i].Row];
                string key = planned[i].Key(pair.Id);
                byte[] image = originals[pair.Id];
                Assert.Equal($"{key}.{OriginalImages.ExtensionOf(image)}", members[3 * i][0]);
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(image)), members[3 * i][1]);
                Assert.Equal($"{key}.txt", members[3 * i + 1][0]);
                Assert.Equal(pair.Caption, members[3 * i + 1][2]);
                Assert.Equal($"{key}.json", members[3 * i + 2][0]);
                string id = Uri.UnescapeDataString(planned[i].Pass >= 0 ? key[..key.LastIndexOf("_p", StringComparison.Ordinal)] : key);
                Assert.Equal(pair.Id, id);
            }
        }
        Assert.Contains(manifests, m => m.Images.Contains("original"));
    }

    [Fact]
    public void A_rerun_keeps_finished_shards_and_writes_the_missing_ones_byte_for_byte()
    {
        var run = SplitRun.Copy("mode-shards-resume");
        var options = new ShardOptions { To = Path.Combine(root, "resume"), ShardSamples = 40, Seed = 4 };
        RunShards.Write(run, options, Train, TextWriter.Null);
        string set = Path.Combine(options.To, "expert_1");
        var before = Directory.GetFiles(set, "*.tar").Order().ToDictionary(f => f, File.ReadAllBytes);
        string kept = Path.Combine(set, ShardManifest.ShardName(0)), lost = Path.Combine(set, ShardManifest.ShardName(2));
        File.SetLastWriteTimeUtc(kept, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        File.Delete(lost);
        File.WriteAllText(lost + ".123.abc.host.tmp", "a killed writer's leftover");

        var log = new StringWriter();
        RunShards.Write(run, options, Train, log);
        Assert.Equal(new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc), File.GetLastWriteTimeUtc(kept));
        Assert.Equal(before, Directory.GetFiles(set, "*.tar").Order().ToDictionary(f => f, File.ReadAllBytes));
        Assert.Contains("finished shard(s) kept", log.ToString());
    }

    [Fact]
    [Trait("Hostile", "class12")]
    public void A_source_changed_since_ingest_is_one_error_naming_the_shard_and_the_pair()
    {
        var (run, _, folder) = SourceRun("changed");
        string shard = Path.Combine(folder, "00001.tar");
        var entries = new List<(string Name, byte[] Data)>();
        using (var reader = new TarReader(File.OpenRead(shard)))
            while (reader.GetNextEntry(copyData: true) is { } entry)
                entries.Add((entry.Name, ReadAll(entry.DataStream!)));
        int victim = entries.FindIndex(e => e.Name.EndsWith(".png", StringComparison.Ordinal));
        var swapped = entries.FindIndex(e => e.Name.EndsWith(".jpg", StringComparison.Ordinal));
        entries[victim] = (entries[victim].Name, entries[swapped].Data); // another valid image under this key
        using (var tar = new TarWriter(File.Create(shard), TarEntryFormat.Pax))
            foreach (var (name, data) in entries) Add(tar, name, data);

        var e = Assert.Throws<InvalidDataException>(() => RunShards.Write(run, new ShardOptions { To = Path.Combine(root, "changed-to") }, Train, TextWriter.Null));
        string id = "00001/" + entries[victim].Name[..entries[victim].Name.LastIndexOf('.')];
        Assert.StartsWith(shard, e.Message);
        Assert.Contains(id, e.Message);
        Assert.Contains("source changed since ingest", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(Directory.GetFiles(Path.Combine(root, "changed-to"), "*.tar", SearchOption.AllDirectories));

        File.Delete(shard);
        var gone = Assert.Throws<InvalidDataException>(() => RunShards.Write(run, new ShardOptions { To = Path.Combine(root, "changed-to") }, Train, TextWriter.Null));
        Assert.Contains("no longer in the source", gone.Message);
    }

    static byte[] ReadAll(Stream stream)
    {
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    [Theory]
    [Trait("Hostile", "class12")]
    [InlineData("shards{0..3}")]
    [InlineData("a::b")]
    [InlineData("line\nbreak")]
    public void A_shard_folder_that_open_clip_or_an_sbatch_file_cannot_take_is_refused(string name)
    {
        var run = SplitRun.Copy("mode-shards-path");
        var e = Assert.Throws<ArgumentException>(() => RunShards.Write(run, new ShardOptions { To = Path.Combine(root, name) }, Train, TextWriter.Null));
        Assert.Equal(nameof(ShardOptions.To), e.ParamName);
        Assert.False(Directory.Exists(Path.Combine(root, name)));
    }

    [Fact]
    [Trait("Hostile", "class12")]
    public void A_folder_of_other_shards_is_refused_and_a_foreign_finished_shard_is_named()
    {
        var run = SplitRun.Copy("mode-shards-foreign");
        var options = new ShardOptions { To = Path.Combine(root, "foreign"), ShardSamples = 60 };
        RunShards.Write(run, options, Train, TextWriter.Null);

        var other = Assert.Throws<InvalidOperationException>(() => RunShards.Write(run, options with { Seed = 99 }, Train, TextWriter.Null));
        Assert.Contains(RunShards.OptionsFile, other.Message);

        string shard = Path.Combine(options.To, ShardPlan.All, ShardManifest.ShardName(1));
        File.Copy(Path.Combine(options.To, ShardPlan.All, ShardManifest.ShardName(0)), shard, overwrite: true);
        var foreign = Assert.Throws<InvalidDataException>(() => RunShards.Write(run, options, Train, TextWriter.Null));
        Assert.StartsWith(shard, foreign.Message);
        Assert.Contains("not the one these options put there", foreign.Message);
    }
}
