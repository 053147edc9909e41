using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Storage;
using Parquet.Serialization;
using SkiaSharp;

namespace MoDE.Tests.Data;

/// <summary>
/// Nothing outside the data is read: image paths of manifests and symbolic links of image folders that lead outside
/// their folder are counted as unsafe_path, unless the user allows outside paths (<see cref="DataPath"/>).
/// </summary>
public sealed class OutsidePathTests : IDisposable
{
    /// <summary>A root holding data/ (the data: images/red.jpg, links) and secret/ (outside it: a readable image and a caption).</summary>
    readonly string root = Directory.CreateTempSubdirectory("mode-outside").FullName;

    string Data => Path.Combine(root, "data");
    string Secret => Path.Combine(root, "secret");

    public OutsidePathTests()
    {
        Directory.CreateDirectory(Path.Combine(Data, "images"));
        Directory.CreateDirectory(Secret);
        File.WriteAllBytes(Path.Combine(Data, "images", "red.jpg"), TestImages.Solid(SKColors.Red));
        File.WriteAllBytes(Path.Combine(Secret, "blue.png"), TestImages.Solid(SKColors.Blue, format: SKEncodedImageFormat.Png));
        File.WriteAllText(Path.Combine(Secret, "caption.txt"), "a private caption");
        File.CreateSymbolicLink(Path.Combine(Data, "images", "link.png"), Path.Combine(Secret, "blue.png")); // a file link out
        Directory.CreateSymbolicLink(Path.Combine(Data, "out"), Secret); // a folder link out
        Directory.CreateSymbolicLink(Path.Combine(Data, "same"), Path.Combine(Data, "images")); // a folder link that stays in
        File.CreateSymbolicLink(Path.Combine(Data, "loop-a"), Path.Combine(Data, "loop-b"));
        File.CreateSymbolicLink(Path.Combine(Data, "loop-b"), Path.Combine(Data, "loop-a"));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Theory]
    [Trait("Hostile", "class4")]
    [InlineData("images/red.jpg", true)]
    [InlineData("./images/../images/red.jpg", true)]
    [InlineData("same/red.jpg", true)]
    [InlineData("ABSOLUTE_DATA/images/red.jpg", true)]
    [InlineData("file://DATA_URI/images/red.jpg", true)]
    [InlineData("../secret/blue.png", false)]
    [InlineData("images/../../secret/blue.png", false)]
    [InlineData("ABSOLUTE_SECRET/blue.png", false)]
    [InlineData("file://SECRET_URI/blue.png", false)]
    [InlineData("file:///etc/passwd", false)]
    [InlineData("/etc/passwd", false)]
    [InlineData("images/link.png", false)]
    [InlineData("out/blue.png", false)]
    [InlineData("out/../data/images/red.jpg", true)] // out/.. is the parent of the link's target (the root), as POSIX resolves it
    [InlineData("loop-a", false)]
    [InlineData("file://", false)]
    [InlineData("images/red\0.jpg", false)]
    public void OnlyPathsWhoseRealFileIsInsideTheFolderAreRead(string named, bool inside)
    {
        named = named.Replace("ABSOLUTE_DATA", Data).Replace("ABSOLUTE_SECRET", Secret)
            .Replace("DATA_URI", new Uri(Data).AbsolutePath).Replace("SECRET_URI", new Uri(Secret).AbsolutePath);
        var data = new DataPath(Data, allowOutside: false);
        string? real = data.Resolve(named, out string problem);
        Assert.Equal(inside, real is not null);
        if (inside) Assert.Equal(Path.Combine(Data, "images", "red.jpg"), real);
        else Assert.Contains($"'{named}'", problem);
        if (named.StartsWith("loop") || named.Contains('\0') || named == "file://") return; // no one can read these
        Assert.NotNull(new DataPath(Data, allowOutside: true).Resolve(named, out _)); // the user's opt-in reads every one
    }

    /// <summary>One manifest row per way out, beside one good row; returns the manifest's rows.</summary>
    (string Image, string Caption)[] Rows() =>
    [
        ("images/red.jpg", "red inside"),
        ("../secret/blue.png", "parent"),
        (Path.Combine(Secret, "blue.png"), "absolute"),
        (new Uri(Path.Combine(Secret, "blue.png")).AbsoluteUri, "file uri"),
        ("images/link.png", "file link out"),
        ("out/blue.png", "folder link out"),
        ("loop-a", "link loop"),
    ];

    [Theory]
    [Trait("Hostile", "class4")]
    [InlineData("csv")]
    [InlineData("tsv")]
    [InlineData("parquet")]
    public async Task AManifestsPathsOutsideItsFolderAreCountedAsUnsafeUnlessAllowed(string format)
    {
        string manifest = Path.Combine(Data, $"list.{format}");
        var rows = Rows();
        if (format == "parquet")
            await ParquetSerializer.SerializeAsync(rows.Select((r, i) => new ManifestRow { Key = $"{i}", Image_Path = r.Image, Caption = r.Caption }), manifest);
        else
        {
            char delimiter = format == "tsv" ? '\t' : ',';
            File.WriteAllLines(manifest, rows.Select((r, i) => DelimitedText.Line([$"{i}", r.Image, r.Caption], delimiter))
                .Prepend(DelimitedText.Line(["key", "image_path", "caption"], delimiter)));
        }

        var run = new RunLayout(Path.Combine(root, $"run-{format}"));
        var report = IngestStage.Run(run, new SourceOptions { Source = manifest }, TextWriter.Null)!;
        Assert.Equal(1, report.Kept);
        Assert.Equal(rows.Length - 1, report.Count(SkipReason.UnsafePath));
        Assert.Equal(["red inside"], PairStore.ReadCaptions(run.Pairs).Select(p => p.Caption));
        Assert.Contains("--allow-outside-paths", report.Examples[IngestReport.Key(SkipReason.UnsafePath)][0]);

        var allowed = new RunLayout(Path.Combine(root, $"run-{format}-allowed"));
        var opened = IngestStage.Run(allowed, new SourceOptions { Source = manifest, AllowOutsidePaths = true }, TextWriter.Null)!;
        Assert.Equal(rows.Length - 1, opened.Kept);
        Assert.Equal(1, opened.Count(SkipReason.UnsafePath)); // the loop, which leads nowhere
        var pixels = PairStore.Load(allowed.Pairs, allowed.Images).Images;
        Assert.True(pixels.Image(1)[2] > 200 && pixels.Image(1)[0] < 50, "the outside image (blue) is read when allowed");
    }

    sealed class ManifestRow
    {
        public string Key { get; set; } = "";
        public string Image_Path { get; set; } = "";
        public string Caption { get; set; } = "";
    }

    [Fact]
    [Trait("Hostile", "class4")]
    public void AnImageFoldersLinksOutAreCountedAsUnsafeUnlessAllowed()
    {
        string folder = Path.Combine(root, "folder");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "red.jpg"), TestImages.Solid(SKColors.Red));
        File.WriteAllText(Path.Combine(folder, "red.txt"), "red");
        File.CreateSymbolicLink(Path.Combine(folder, "blue.png"), Path.Combine(Secret, "blue.png")); // image link out
        File.WriteAllText(Path.Combine(folder, "blue.txt"), "blue");
        File.WriteAllBytes(Path.Combine(folder, "green.png"), TestImages.Solid(SKColors.Green, format: SKEncodedImageFormat.Png));
        File.CreateSymbolicLink(Path.Combine(folder, "green.txt"), Path.Combine(Secret, "caption.txt")); // caption link out

        var run = new RunLayout(Path.Combine(root, "run-folder"));
        var report = IngestStage.Run(run, new SourceOptions { Source = folder }, TextWriter.Null)!;
        Assert.Equal(1, report.Kept);
        Assert.Equal(2, report.Count(SkipReason.UnsafePath));
        Assert.DoesNotContain(PairStore.ReadCaptions(run.Pairs), p => p.Caption.Contains("private"));

        var allowed = new RunLayout(Path.Combine(root, "run-folder-allowed"));
        Assert.Equal(3, IngestStage.Run(allowed, new SourceOptions { Source = folder, AllowOutsidePaths = true }, TextWriter.Null)!.Kept);
    }
}
