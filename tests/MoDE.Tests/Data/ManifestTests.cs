using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Storage;
using Parquet.Serialization;
using SkiaSharp;

namespace MoDE.Tests.Data;

public class ManifestTests
{
    /// <summary>A folder with images/red.jpg, images/blue.png; returns the folder.</summary>
    static string FolderWithImages(string name)
    {
        string folder = Directory.CreateTempSubdirectory(name).FullName;
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        File.WriteAllBytes(Path.Combine(folder, "images", "red.jpg"), TestImages.Solid(SKColors.Red));
        File.WriteAllBytes(Path.Combine(folder, "images", "blue.png"), TestImages.Solid(SKColors.Blue, format: SKEncodedImageFormat.Png));
        return folder;
    }

    static (IngestReport Report, List<SourceRecord> Records) Read(IPairReader reader)
    {
        var report = new IngestReport();
        return (report, reader.Read(report).ToList());
    }

    [Fact]
    public void CsvWithImg2datasetColumnsReadsPathsRelativeToTheManifest()
    {
        string folder = FolderWithImages("mode-csv");
        File.WriteAllText(Path.Combine(folder, "list.csv"),
            "url,caption,key\n" +
            "images/red.jpg,\"a red, \"\"bright\"\" square\",000\n" +
            "images/blue.png,a blue one,001\r\n" +
            "images/gone.jpg,not there,002\n" +
            "https://example.com/x.jpg,remote,003\n" +
            "images/red.jpg,   ,004\n" +
            "\n" +
            "images/red.jpg,again,000\n");
        var run = new RunLayout(Path.Combine(folder, "run"));
        var report = IngestStage.Run(run, new SourceOptions { Source = Path.Combine(folder, "list.csv") }, TextWriter.Null)!;
        var pairs = PairStore.Load(run.Pairs, run.Images);
        Assert.Equal(["list/000", "list/001"], pairs.Pairs.Select(p => p.Id).ToArray());
        Assert.Equal("a red, \"bright\" square", pairs.Pairs[0].Caption);
        Assert.Equal(1, report.Count(SkipReason.MissingImage));
        Assert.Equal(1, report.Count(SkipReason.RemoteImage));
        Assert.Equal(1, report.Count(SkipReason.EmptyCaption));
        Assert.Equal(1, report.Count(SkipReason.DuplicateId));
    }

    [Fact]
    [Trait("Hostile", "class5")]
    public void AKeylessManifestKeepsEveryCaptionOfAnImageAsItsOwnPair()
    {
        string folder = FolderWithImages("mode-csv-captions");
        File.WriteAllText(Path.Combine(folder, "coco.csv"),
            "image_path,caption\n" +
            "images/red.jpg,a red square\n" +
            "images/blue.png,a blue square\n" +
            "images/red.jpg,something red\n" +
            "images/red.jpg,a plain red picture\n");
        var run = new RunLayout(Path.Combine(folder, "run"));
        var report = IngestStage.Run(run, new SourceOptions { Source = Path.Combine(folder, "coco.csv") }, TextWriter.Null)!;
        var pairs = PairStore.Load(run.Pairs, run.Images);
        Assert.Equal(["coco/images/red.jpg", "coco/images/blue.png", "coco/images/red.jpg#2", "coco/images/red.jpg#3"], pairs.Pairs.Select(p => p.Id).ToArray());
        Assert.Equal(["a red square", "a blue square", "something red", "a plain red picture"], pairs.Pairs.Select(p => p.Caption).ToArray());
        Assert.Equal(0, report.Count(SkipReason.DuplicateId));
    }

    [Fact]
    [Trait("Hostile", "class5")]
    public void AKeyedManifestStillSkipsARepeatedKey()
    {
        string folder = FolderWithImages("mode-csv-keyed");
        string path = Path.Combine(folder, "keyed.csv");
        File.WriteAllText(path, "key,image_path,caption\nr,images/red.jpg,a red square\nb,images/blue.png,blue\nr,images/red.jpg,something red\n");
        var run = new RunLayout(Path.Combine(folder, "run"));
        var report = IngestStage.Run(run, new SourceOptions { Source = path }, TextWriter.Null)!;
        Assert.Equal(["keyed/r", "keyed/b"], PairStore.Load(run.Pairs, run.Images).Pairs.Select(p => p.Id).ToArray());
        Assert.Equal(1, report.Count(SkipReason.DuplicateId));
    }

    [Fact]
    [Trait("Hostile", "class5")]
    public void ManifestsOfOneNameInTwoFoldersKeepBothRows()
    {
        string folder = FolderWithImages("mode-csv-two-folders");
        foreach (string sub in (string[])["x", "y"])
        {
            Directory.CreateDirectory(Path.Combine(folder, sub));
            File.WriteAllText(Path.Combine(folder, sub, "list.csv"), $"key,image_path,caption\n0,../images/red.jpg,red in {sub}\n");
        }
        var run = new RunLayout(Path.Combine(folder, "run"));
        IngestStage.Run(run, new SourceOptions { Source = Path.Combine(folder, "{x,y}", "list.csv"), AllowOutsidePaths = true }, TextWriter.Null); // ../images is beside the manifests' folders
        Assert.Equal(["x/list/0", "y/list/0"], PairStore.Load(run.Pairs, run.Images).Pairs.Select(p => p.Id).ToArray());
    }

    [Theory]
    [InlineData("image_path,caption\nimages/red.jpg,\"never closed\n", 2, 16, "quoted field is never closed")]
    [InlineData("image_path,caption\nimages/red.jpg,a \"quoted\" word\n", 2, 18, "quote inside an unquoted field")]
    [InlineData("image_path,caption\nimages/red.jpg,ok\nimages/red.jpg,one,two\n", 3, 1, "record has more than 2 fields, the header has 2")]
    [InlineData("image_path,caption\n\"images/red.jpg\"x,ok\n", 2, 17, "after the closing quote")]
    [Trait("Hostile", "class1")]
    public void AMalformedCsvNamesFileLineAndColumn(string text, int line, int column, string message)
    {
        string folder = FolderWithImages("mode-csv-bad");
        string path = Path.Combine(folder, "bad.csv");
        File.WriteAllText(path, text);
        var error = Assert.Throws<InvalidDataException>(() => Read(new CsvManifestReader(path, ',', new SourceOptions())));
        Assert.StartsWith($"{path}:{line}:{column}: ", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    [Trait("Hostile", "class1")]
    public void AManifestWithoutACaptionColumnSaysWhichColumnsItHas()
    {
        string folder = FolderWithImages("mode-csv-cols");
        string path = Path.Combine(folder, "cols.csv");
        File.WriteAllText(path, "filepath,label\nimages/red.jpg,red\n");
        var error = Assert.Throws<InvalidDataException>(() => Read(new CsvManifestReader(path, ',', new SourceOptions())));
        Assert.Contains("no caption column", error.Message);
        Assert.Contains("'label'", error.Message);
        Assert.StartsWith($"{path}:1", error.Message);
    }

    [Fact]
    [Trait("Hostile", "class1")]
    public void TsvKeepsQuotesInsideCaptionsAndFlagsInvalidUtf8()
    {
        string folder = FolderWithImages("mode-tsv");
        string path = Path.Combine(folder, "list.tsv");
        File.WriteAllBytes(path, [.. "filepath\ttext\nimages/red.jpg\tthe \"red\" one\nimages/blue.png\tbad "u8, 0xFF, .. " byte\n"u8]);
        var (report, records) = Read(new CsvManifestReader(path, '\t', new SourceOptions()));
        Assert.Equal("the \"red\" one", Assert.Single(records).Caption);
        Assert.Equal(1, report.Count(SkipReason.InvalidUtf8));
    }

    public sealed class BytesRow
    {
        public string? Key { get; set; }
        public byte[]? Jpg { get; set; }
        public string? Caption { get; set; }
    }

    public sealed class PathRow
    {
        public string? Image_Path { get; set; }
        public string? Text { get; set; }
    }

    [Fact]
    public async Task ParquetWithImageBytesOrImagePaths()
    {
        string folder = FolderWithImages("mode-parquet");
        string bytesPath = Path.Combine(folder, "bytes.parquet"), pathsPath = Path.Combine(folder, "paths.parquet");
        await ParquetSerializer.SerializeAsync(new[]
        {
            new BytesRow { Key = "a", Jpg = TestImages.Solid(SKColors.Red), Caption = "red bytes" },
            new BytesRow { Key = "b", Jpg = null, Caption = "no image" },
            new BytesRow { Key = "c", Jpg = TestImages.Solid(SKColors.Blue), Caption = null },
        }, bytesPath);
        await ParquetSerializer.SerializeAsync(new[] { new PathRow { Image_Path = "images/blue.png", Text = "blue path" } }, pathsPath);

        var (report, records) = Read(new ParquetManifestReader(bytesPath, new SourceOptions()));
        var record = Assert.Single(records);
        Assert.Equal(("bytes/a", "red bytes"), (record.Id, record.Caption));
        Assert.NotNull(record.ImageBytes);
        Assert.Equal(1, report.Count(SkipReason.MissingImage));
        Assert.Equal(1, report.Count(SkipReason.MissingCaption));

        var (_, fromPaths) = Read(new ParquetManifestReader(pathsPath, new SourceOptions()));
        Assert.Equal(Path.Combine(folder, "images", "blue.png"), Assert.Single(fromPaths).ImagePath);

        string notParquet = Path.Combine(folder, "fake.parquet");
        File.WriteAllText(notParquet, "this is not parquet");
        Assert.Contains(notParquet, Assert.Throws<InvalidDataException>(() => Read(new ParquetManifestReader(notParquet, new SourceOptions()))).Message);
    }

    [Fact]
    public void AFolderOfImagesWithSidecarCaptions()
    {
        string folder = FolderWithImages("mode-folder");
        File.WriteAllText(Path.Combine(folder, "images", "red.txt"), "a red picture\n");
        var (report, records) = Read(new ImageFolderReader(Path.Combine(folder, "images"), new SourceOptions()));
        Assert.Equal(("images/red", "a red picture"), (Assert.Single(records).Id, records[0].Caption));
        Assert.Equal(1, report.Count(SkipReason.MissingCaption));
    }

    [Fact]
    public void ShardPatternsExpandLikeWebDataset()
    {
        Assert.Equal(["d/00008.tar", "d/00009.tar", "d/00010.tar"], ShardPattern.Expand("d/{00008..00010}.tar"));
        Assert.Equal(["a-x-1", "a-x-2", "a-y-1", "a-y-2"], ShardPattern.ExpandBraces("a-{x,y}-{1..2}").ToArray());
        Assert.Contains("column 3", Assert.Throws<ArgumentException>(() => ShardPattern.Expand("d/{9..1}.tar")).Message);
        string folder = Directory.CreateTempSubdirectory("mode-glob").FullName;
        foreach (string name in (string[])["b.tar", "a.tar", "c.csv"]) File.WriteAllText(Path.Combine(folder, name), "");
        Assert.Equal(["a.tar", "b.tar"], ShardPattern.Expand(Path.Combine(folder, "*.tar")).Select(p => Path.GetFileName(p)).ToArray());
    }

    [Fact]
    [Trait("Hostile", "class1")]
    public void AnUnknownExtensionAsksForTheFormat()
    {
        string folder = Directory.CreateTempSubdirectory("mode-format").FullName;
        string path = Path.Combine(folder, "list.txt");
        File.WriteAllText(path, "image_path,caption\n");
        var error = Assert.Throws<ArgumentException>(() => PairSource.Open(new SourceOptions { Source = path }, new IngestReport()));
        Assert.Contains("--format", error.Message);
        Assert.IsType<CsvManifestReader>(Assert.Single(PairSource.Open(new SourceOptions { Source = path, Format = SourceFormat.Csv }, new IngestReport())));
    }
}
