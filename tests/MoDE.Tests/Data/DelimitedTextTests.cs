using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Eval;
using SkiaSharp;

namespace MoDE.Tests.Data;

public class DelimitedTextTests
{
    [Fact]
    public void CsvReadsQuotedCommasQuotesAndLineBreaks()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("mode-csv").FullName, "pairs.csv");
        File.WriteAllText(path, "image,caption\r\na.png,\"a dog, running\"\n\nb.png,\"say \"\"hi\"\"\nthere\"\nc.png,\n");
        var rows = DelimitedText.ReadFile(path, ',').Select(r => r.Fields.ToArray()).ToList();
        Assert.Equal(4, rows.Count);
        Assert.Equal(["a.png", "a dog, running"], rows[1]);
        Assert.Equal(["b.png", "say \"hi\"\nthere"], rows[2]);
        Assert.Equal(["c.png", ""], rows[3]);
    }

    [Theory]
    [InlineData(',')]
    [InlineData('\t')]
    public void AWrittenLineReadsBackAsTheSameFields(char delimiter)
    {
        string[][] records = [["image", "caption"], ["a, b.png", "say \"hi\", twice"], ["\"quoted\".png", "tab\there"], ["c.png", "two\nlines\r\nand CRLF"], ["d.png", ""]];
        string path = Path.Combine(Directory.CreateTempSubdirectory("mode-csv-write").FullName, "pairs.csv");
        File.WriteAllText(path, string.Concat(records.Select(r => DelimitedText.Line(r, delimiter) + "\n")));
        Assert.Equal(records, DelimitedText.ReadFile(path, delimiter).Select(r => r.Fields.ToArray()));
    }

    [Fact]
    public void AManifestAndATaskFolderReadTheSameQuotedCsvAlike()
    {
        string folder = Directory.CreateTempSubdirectory("mode-csv-both").FullName;
        File.WriteAllBytes(Path.Combine(folder, "a.png"), TestImages.Solid(SKColors.Red, format: SKEncodedImageFormat.Png));
        File.WriteAllBytes(Path.Combine(folder, "b, b.png"), TestImages.Solid(SKColors.Blue, format: SKEncodedImageFormat.Png));
        // CRLF line ends; quoted fields holding doubled quotes, commas, an LF and a CRLF; a quoted path with a comma.
        string csv =
            "image,caption\r\n" +
            "a.png,\"a \"\"red\"\" square, bright\"\r\n" +
            "\"b, b.png\",\"two\nlines, one \"\"blue\"\"\"\r\n" +
            "a.png,\"windows\r\nline\"\r\n" +
            "\r\n" +
            "\"a.png\",plain words\r\n";
        string[] captions = ["a \"red\" square, bright", "two\nlines, one \"blue\"", "windows\r\nline", "plain words"];
        string[] images = ["a.png", "b, b.png", "a.png", "a.png"];
        File.WriteAllText(Path.Combine(folder, TaskFolder.PairsFile), csv);
        File.WriteAllText(Path.Combine(folder, "list.csv"), csv);

        var task = Assert.IsType<RetrievalTask>(TaskFolder.Load(folder, imageSize: 16));
        Assert.Equal(captions, task.Captions);
        Assert.Equal([0, 1, 0, 0], task.ImageOfCaption);

        var records = new CsvManifestReader(Path.Combine(folder, "list.csv"), ',', new SourceOptions()).Read(new IngestReport()).ToList();
        Assert.Equal(captions.Select(SourceCaption.Normalize), records.Select(r => r.Caption)); // a pair's caption is one line
        Assert.Equal(images.Select(f => Path.Combine(folder, f)), records.Select(r => r.ImagePath));
    }

    [Theory]
    [InlineData("image,caption\na.png,ok\na.png,a 5\" screen\n", 3, 10, "quote inside an unquoted field")]
    [InlineData("image,caption\na.png,ok\r\na.png,ok,extra\r\n", 3, 1, "record has more than 2 fields, the header has 2")]
    [InlineData("image,caption\na.png,\"never closed\n", 2, 7, "quoted field is never closed")]
    [Trait("Hostile", "class1")]
    public void AMalformedTaskCsvNamesFileLineAndColumn(string text, int line, int column, string message)
    {
        string folder = Directory.CreateTempSubdirectory("mode-csv-task").FullName;
        File.WriteAllBytes(Path.Combine(folder, "a.png"), TestImages.Solid(SKColors.Red, format: SKEncodedImageFormat.Png));
        string path = Path.Combine(folder, TaskFolder.PairsFile);
        File.WriteAllText(path, text);
        var error = Assert.Throws<InvalidDataException>(() => TaskFolder.Load(folder, imageSize: 16));
        Assert.StartsWith($"{path}:{line}:{column}: ", error.Message);
        Assert.Contains(message, error.Message);
    }
}
