using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Data.Synthetic;
using MoDE.Storage;
using MoDE.Tests.Data;
using Xunit;

namespace MoDE.Tests;

public sealed class SyntheticWebTests : IClassFixture<DejaVuFonts>
{
    static readonly SyntheticWebOptions Small = new() { Pairs = 300, ImageSize = 16, EvalImagesPerClass = 2, Seed = 7 };

    [Fact]
    public void SameSeedGivesIdenticalPixelsAndCaptions()
    {
        var a = SyntheticWeb.GeneratePairs(Small);
        var b = SyntheticWeb.GeneratePairs(Small);
        Assert.Equal(ImageSetBytes.Pixels(a.Images), ImageSetBytes.Pixels(b.Images));
        Assert.Equal(a.Pairs, b.Pairs);
        var tasksA = SyntheticWeb.GenerateTasks(Small);
        var tasksB = SyntheticWeb.GenerateTasks(Small);
        for (int t = 0; t < tasksA.Count; t++)
        {
            Assert.Equal(ImageSetBytes.Pixels(tasksA[t].Images), ImageSetBytes.Pixels(tasksB[t].Images));
            Assert.Equal(tasksA[t].Labels, tasksB[t].Labels);
        }
    }

    [Fact]
    public void DifferentSeedGivesDifferentData()
    {
        var a = SyntheticWeb.GeneratePairs(Small);
        var b = SyntheticWeb.GeneratePairs(Small with { Seed = 8 });
        Assert.NotEqual(ImageSetBytes.Pixels(a.Images), ImageSetBytes.Pixels(b.Images));
        Assert.NotEqual(a.Pairs.Select(p => p.Caption), b.Pairs.Select(p => p.Caption));
        Assert.NotEqual(ImageSetBytes.Pixels(SyntheticWeb.GenerateTasks(Small)[^1].Images), ImageSetBytes.Pixels(SyntheticWeb.GenerateTasks(Small with { Seed = 8 })[^1].Images));
    }

    [Fact]
    public void DomainsHaveTheirOwnVocabulary()
    {
        Assert.True(SyntheticWeb.Domains.Count >= 5);
        foreach (var domain in SyntheticWeb.Domains)
        {
            Assert.True(domain.Classes.Count >= 10, domain.Name);
            Assert.All(domain.Classes, c => Assert.NotEmpty(c.Synonyms));
            Assert.InRange(domain.Templates.Count, 4, 8);
            Assert.All(domain.Templates, t => Assert.Contains("{}", t));
        }
        var names = SyntheticWeb.Domains.SelectMany(d => d.Classes.Select(c => c.Name)).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Equal(SyntheticWeb.Domains.Count, SyntheticWeb.Domains.Select(d => d.Name).Distinct().Count());
    }

    [Fact]
    public void PairsHaveStableIdsAndGroundTruth()
    {
        var set = SyntheticWeb.GeneratePairs(Small);
        Assert.Equal(Small.Pairs, set.Count);
        Assert.Equal(Small.Pairs, set.Images.Count);
        Assert.Equal("syn-000000", set.Pairs[0].Id);
        Assert.Equal("syn-000299", set.Pairs[^1].Id);
        var classes = SyntheticWeb.Domains.SelectMany(d => d.Classes.Select(c => (d.Name, c.Name))).ToHashSet();
        Assert.All(set.Pairs, p =>
        {
            Assert.False(string.IsNullOrWhiteSpace(p.Caption));
            Assert.Contains((p.Domain!, p.Label!), classes);
        });
    }

    [Fact]
    public void ClassesAreRoughlyBalanced()
    {
        var set = SyntheticWeb.GeneratePairs(new SyntheticWebOptions { Pairs = 3000, ImageSize = 8, Seed = 3 });
        int classes = SyntheticWeb.Domains.Sum(d => d.Classes.Count);
        double expected = 3000.0 / classes;
        var counts = set.Pairs.GroupBy(p => p.Label).ToDictionary(g => g.Key!, g => g.Count());
        Assert.Equal(classes, counts.Count);
        Assert.All(counts.Values, n => Assert.InRange(n, expected * 0.4, expected * 1.6));
    }

    [Fact]
    public void NoiseShareIsCloseToTheOption()
    {
        var set = SyntheticWeb.GeneratePairs(new SyntheticWebOptions { Pairs = 2000, ImageSize = 8, NoiseShare = 0.2, Seed = 5 });
        double share = set.Pairs.Count(p => p.Noisy) / 2000.0;
        Assert.InRange(share, 0.17, 0.23);
        // Noise is either boilerplate or another image's caption; both kinds occur.
        var clean = set.Pairs.Where(p => !p.Noisy).Select(p => p.Caption).ToHashSet();
        var noisy = set.Pairs.Where(p => p.Noisy).ToList();
        Assert.Contains(noisy, p => clean.Contains(p.Caption));
        Assert.Contains(noisy, p => p.Caption.Contains('.') || p.Caption.Split(' ').Length <= 4);

        var none = SyntheticWeb.GeneratePairs(new SyntheticWebOptions { Pairs = 500, ImageSize = 8, NoiseShare = 0, Seed = 5 });
        Assert.DoesNotContain(none.Pairs, p => p.Noisy);
    }

    [Fact]
    public void TasksCoverEveryDomainAndAllClasses()
    {
        var tasks = SyntheticWeb.GenerateTasks(Small);
        Assert.Equal(SyntheticWeb.Domains.Count + 1, tasks.Count);
        Assert.Equal(SyntheticWeb.Domains.Select(d => d.Name).Append("all"), tasks.Select(t => t.Name));
        Assert.Equal(SyntheticWeb.Domains.Sum(d => d.Classes.Count), tasks[^1].Classes.Count);
        foreach (var task in tasks)
        {
            Assert.Equal(task.Images.Count, task.Labels.Length);
            Assert.All(task.Labels, l => Assert.InRange(l, 0, task.Classes.Count - 1));
            for (int c = 0; c < task.Classes.Count; c++) Assert.Equal(Small.EvalImagesPerClass, task.Labels.Count(l => l == c));
            Assert.InRange(task.Templates.Count, 4, 8);
            Assert.All(task.Templates, t => Assert.Contains("{}", t));
            Assert.All(task.Prompts(0), p => Assert.Contains(task.Classes[0], p));
        }
    }

    [Fact]
    public void EvaluationImagesDifferFromTrainingImages()
    {
        var train = SyntheticWeb.GeneratePairs(Small);
        var seen = Enumerable.Range(0, train.Images.Count).Select(i => Convert.ToHexString(train.Images.Image(i))).ToHashSet();
        var all = SyntheticWeb.GenerateTasks(Small)[^1];
        for (int i = 0; i < all.Images.Count; i++) Assert.DoesNotContain(Convert.ToHexString(all.Images.Image(i)), seen);
    }

    [Fact]
    public void ImagesAreNotBlankAndClassesDiffer()
    {
        var all = SyntheticWeb.GenerateTasks(Small with { ImageSize = 32, EvalImagesPerClass = 3 })[^1];
        var means = new double[all.Classes.Count][];
        for (int i = 0; i < all.Images.Count; i++)
        {
            var image = all.Images.Image(i);
            double mean = 0, square = 0;
            foreach (byte b in image) { mean += b; square += (double)b * b; }
            mean /= image.Length;
            Assert.True(square / image.Length - mean * mean > 1, $"image {i} ({all.Classes[all.Labels[i]]}) is blank");
            var classMean = means[all.Labels[i]] ??= new double[image.Length];
            for (int p = 0; p < image.Length; p++) classMean[p] += image[p];
        }
        // No two images are the same, and no two classes have the same average image.
        Assert.Equal(all.Images.Count, Enumerable.Range(0, all.Images.Count).Select(i => Convert.ToHexString(all.Images.Image(i))).Distinct().Count());
        for (int a = 0; a < means.Length; a++)
            for (int b = a + 1; b < means.Length; b++)
                Assert.True(means[a].Zip(means[b], (x, y) => Math.Abs(x - y)).Average() > 1, $"{all.Classes[a]} and {all.Classes[b]} look the same");
    }

    [Fact]
    public void ProgressReachesThePairCount()
    {
        var reports = new List<int>();
        SyntheticWeb.GeneratePairs(Small, new SynchronousProgress(reports));
        Assert.Equal(Small.Pairs, reports.Max());
    }

    [Fact]
    public void OptionsAreValidated()
    {
        Assert.Equal("Pairs", Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticWebOptions { Pairs = 0 }.Validate()).ParamName);
        Assert.Equal("ImageSize", Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticWebOptions { ImageSize = 2 }.Validate()).ParamName);
        Assert.Equal("NoiseShare", Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticWebOptions { NoiseShare = 1.5 }.Validate()).ParamName);
        Assert.Equal("NoiseShare", Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticWebOptions { NoiseShare = double.NaN }.Validate()).ParamName);
        Assert.Equal("EvalImagesPerClass", Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticWebOptions { EvalImagesPerClass = 0 }.Validate()).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticWeb.GeneratePairs(new SyntheticWebOptions { Pairs = -1 }));
        Assert.Equal("ShardBytes", Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticWebOptions { ImageSize = 16, ShardBytes = 16 * 16 * 3 - 1 }.Validate()).ParamName);
        new SyntheticWebOptions { ImageSize = 16, ShardBytes = 16 * 16 * 3 }.Validate(); // one image per shard
    }

    const int SmallImageBytes = 16 * 16 * 3;

    [Fact]
    public void TheIngestWritesTheSameShardsAndCaptionsAsThePairsInMemory()
    {
        string root = Directory.CreateTempSubdirectory("mode-stream").FullName;
        try
        {
            var options = Small with { ShardBytes = 7 * SmallImageBytes }; // 300 images: 43 shards, the last of 6
            var run = new RunLayout(Path.Combine(root, "run"));
            IngestStage.Run(run, options, TextWriter.Null);
            var memory = SyntheticWeb.GeneratePairs(options);
            string images = Path.Combine(root, "images"), captions = Path.Combine(root, "pairs.jsonl");
            memory.Images.Save(images, options.ShardBytes);
            PairStore.SaveCaptions(memory.Pairs, captions);
            Assert.Equal(43, Directory.GetFiles(run.Images).Length);
            Assert.Equal(Directory.GetFiles(images).Select(Path.GetFileName).Order(), Directory.GetFiles(run.Images).Select(Path.GetFileName).Order());
            Assert.Equal(ImageSetBytes.Files(images), ImageSetBytes.Files(run.Images));
            Assert.Equal(File.ReadAllBytes(captions), File.ReadAllBytes(run.Pairs));
            Assert.True(File.Exists(run.Preview));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(13)] // the last chunk shorter
    [InlineData(300)] // one chunk, the whole set
    [InlineData(1000)] // more than the set: one chunk of 300
    public void ChunksOfAnySizeRenderThePixelsAndCaptionsOfThePairsInMemory(int chunkImages)
    {
        string folder = Path.Combine(Directory.CreateTempSubdirectory("mode-chunks").FullName, "images");
        try
        {
            var memory = SyntheticWeb.GeneratePairs(Small);
            var reports = new List<int>();
            IReadOnlyList<Pair> pairs;
            using (var writer = new ImageSetWriter(folder, Small.ImageSize, Small.ImageSize))
            {
                pairs = SyntheticWeb.GeneratePairs(Small, writer, new SynchronousProgress(reports), chunkBytes: chunkImages * SmallImageBytes);
                writer.Commit();
            }
            using var images = ImageSet.Open(folder);
            Assert.Equal(ImageSetBytes.Pixels(memory.Images), ImageSetBytes.Pixels(images));
            Assert.Equal(memory.Pairs, pairs);
            Assert.Equal(Small.Pairs, reports.Max()); // counted over all chunks, not per chunk
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }

    [Fact]
    public void AStoppedRenderingWritesNoImages()
    {
        string root = Directory.CreateTempSubdirectory("mode-stop").FullName, folder = Path.Combine(root, "images");
        try
        {
            using (var stop = new CancellationTokenSource())
            using (var writer = new ImageSetWriter(folder, Small.ImageSize, Small.ImageSize))
            {
                var stopAtAThird = new SynchronousProgress([], done => { if (done >= Small.Pairs / 3) stop.Cancel(); });
                Assert.ThrowsAny<OperationCanceledException>(() =>
                    SyntheticWeb.GeneratePairs(Small, writer, stopAtAThird, stop.Token, chunkBytes: 10 * SmallImageBytes));
                Assert.InRange(writer.Count, 1, Small.Pairs / 2); // later chunks never started
            }
            Assert.Empty(Directory.GetFileSystemEntries(root)); // no set, no temporary folder

            var run = new RunLayout(Path.Combine(root, "run"));
            Assert.ThrowsAny<OperationCanceledException>(() => IngestStage.Run(run, Small, TextWriter.Null, new CancellationToken(canceled: true)));
            Assert.False(Directory.Exists(run.Images));
            Assert.False(File.Exists(run.Pairs));
            Assert.False(IngestStage.Stage.IsDone(run));
            string pairsFolder = Path.GetDirectoryName(run.Images)!;
            Assert.True(!Directory.Exists(pairsFolder) || Directory.GetFileSystemEntries(pairsFolder).Length == 0);
            IngestStage.Run(run, Small, TextWriter.Null); // a rerun renders it all
            using var images = ImageSet.Open(run.Images);
            Assert.Equal(ImageSetBytes.Pixels(SyntheticWeb.GeneratePairs(Small).Images), ImageSetBytes.Pixels(images));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void ContactSheetIsAPng()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"mode-sheet-{Guid.NewGuid():N}");
        try
        {
            string path = Path.Combine(folder, "preview.png");
            SyntheticWeb.RenderContactSheet(SyntheticWeb.GeneratePairs(Small), path, perClass: 3);
            var bytes = File.ReadAllBytes(path);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
            Assert.Single(Directory.GetFiles(folder));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    sealed class SynchronousProgress(List<int> reports, Action<int>? then = null) : IProgress<int>
    {
        public void Report(int value)
        {
            lock (reports) reports.Add(value);
            then?.Invoke(value);
        }
    }
}
