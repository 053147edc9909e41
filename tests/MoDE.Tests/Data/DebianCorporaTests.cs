using System.Runtime.InteropServices;
using MoDE.Data.Import;
using MoDE.Data.Ingest;
using MoDE.Data;
using MoDE.Storage;
using SkiaSharp;

namespace MoDE.Tests.Data;

/// <summary>The importers on the real corpora Debian packages (<see cref="DebianCorpora"/> installs them when missing).</summary>
public class DebianCorporaTests(DebianCorpora corpora) : IClassFixture<DebianCorpora>
{
    [Fact]
    public void FashionMnistBecomesAZeroShotTaskAndACaptionedCorpus()
    {
        corpora.Require();
        var run = new RunLayout(Directory.CreateTempSubdirectory("mode-fmnist").FullName);
        FashionMnist.Import(run, new FashionMnistOptions { Pairs = 500 }, TextWriter.Null);
        var task = TaskStore.Load(run.Task(FashionMnist.TaskName));
        Assert.Equal(10_000, task.Images.Count);
        Assert.Equal(10, task.Classes.Count);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(1000, task.Labels.Count(l => l == c))); // balanced test split
        Assert.Equal(32, task.Images.Height);
        var pairs = PairStore.Load(run.Pairs, run.Images);
        Assert.Equal(500, pairs.Count);
        Assert.All(pairs.Pairs, p => Assert.Contains(p.Label!, p.Caption));
        Assert.True(File.Exists(run.Done(IngestStage.Stage.Name)));
    }

    [Fact]
    public void FashionMnistPairsAreDecodedAChunkAtATimeInFileOrder()
    {
        corpora.Require();
        int perChunk = (int)(ImageSetWriter.ChunkBytes / (32 * 32 * ImageSet.Channels)), count = perChunk + 10; // a second chunk of 10
        string folder = Path.Combine(Directory.CreateTempSubdirectory("mode-fmnist-chunks").FullName, "images");
        try
        {
            IReadOnlyList<Pair> pairs;
            using (var writer = new ImageSetWriter(folder, 32, 32))
            {
                pairs = FashionMnist.Pairs(FashionMnist.DefaultRoot, writer, seed: 1, limit: count);
                writer.Commit();
            }
            using var images = ImageSet.Open(folder);
            Assert.Equal((count, count), (pairs.Count, images.Count));
            // Each image as decoded alone from the IDX file: the chunk boundaries neither move nor change an image.
            var (pixels, _, rows, columns) = IdxFile.ReadImages(Path.Combine(FashionMnist.DefaultRoot, "train-images-idx3-ubyte.gz"));
            var labels = IdxFile.ReadLabels(Path.Combine(FashionMnist.DefaultRoot, "train-labels-idx1-ubyte.gz"));
            var decoder = new ImageDecoder(32, long.MaxValue, ImageBackground.Black);
            using var bitmap = new SKBitmap(new SKImageInfo(columns, rows, SKColorType.Gray8, SKAlphaType.Opaque));
            foreach (int i in new[] { 0, perChunk - 1, perChunk, count - 1 })
            {
                Marshal.Copy(pixels, i * rows * columns, bitmap.GetPixels(), rows * columns);
                bitmap.NotifyPixelsChanged();
                var expected = new byte[decoder.ImageBytes];
                decoder.Fit(bitmap, expected);
                Assert.Equal(expected, images.Image(i).ToArray());
                Assert.Equal(FashionMnist.Classes[labels[i]], pairs[i].Label);
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }

    [Fact]
    public void OpenClipartPairsCarryTheirSvgMetadataAsCaptions()
    {
        corpora.Require();
        var run = new RunLayout(Directory.CreateTempSubdirectory("mode-openclipart").FullName);
        var report = OpenClipart.Import(run, OpenClipart.Options() with { MaxPairs = 200 }, TextWriter.Null)!;
        Assert.Equal(200, report.Kept + report.HeldOut); // a corpus brings no tasks: at least 100 pairs (HeldOutMin) are held out to evaluate on
        Assert.InRange(report.HeldOut, 100, 200);
        var pairs = PairStore.Load(run.Pairs, run.Images);
        Assert.Equal(report.Kept, pairs.Count);
        Assert.All(pairs.Pairs, p => Assert.StartsWith("openclipart/", p.Id));
        Assert.True(pairs.Pairs.Count(p => p.Caption.Contains("keywords: ")) > pairs.Count / 2);
        Assert.True(report.Count(SkipReason.DuplicateImage) > 0); // the corpus links some images under two categories
    }

    [Fact]
    public void SvgMetadataTakesTheWorksTitleNotTheCreatorsAndToleratesUndeclaredPrefixes()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("mode-svg").FullName, "onion_joerg_rosenbauer_01.svg");
        File.WriteAllText(path, """
            <svg xmlns="http://www.w3.org/2000/svg"><metadata><rdf:RDF><cc:Work rdf:about="">
              <dc:title>Vegetable</dc:title><dc:description>HASH(0x8a4b0c)</dc:description>
              <dc:subject><rdf:Bag><rdf:li>food</rdf:li><rdf:li></rdf:li><rdf:li>Food</rdf:li><rdf:li>onion</rdf:li></rdf:Bag></dc:subject>
              <dc:creator><cc:Agent><dc:title>Joerg Rosenbauer</dc:title></cc:Agent></dc:creator>
            </cc:Work></rdf:RDF></metadata><path d="M0 0"/></svg>
            """);
        var metadata = SvgMetadata.Read(path);
        Assert.Equal(("Vegetable", "Joerg Rosenbauer"), (metadata.Title, metadata.Creator));
        Assert.Equal("Vegetable. onion. keywords: food, onion", OpenClipartReader.Caption(metadata, "onion_joerg_rosenbauer_01"));
    }
}
