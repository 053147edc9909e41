using MoDE.Eval;

namespace MoDE.Tests.Eval;

public class ResultsTests
{
    static Results TwoTasks(IReadOnlyList<int>? sizes) => new(["a", "b"],
        [new Results.Method("one", "first", [0.5, 0.2]), new Results.Method("two", "second", [0.6, 0.3]), new Results.Method("three", "third", [0.4, 0.25])],
        new Dictionary<string, double[]>(), "") { TaskSizes = sizes };

    [Fact]
    public void EachScoreHasAWilsonIntervalFromItsTaskSize()
    {
        var results = TwoTasks([100, 400]);
        var interval = results.Interval(results.Methods[0], 0)!.Value;
        Assert.Equal(0.4038, interval.Low, 4);
        Assert.Equal(0.5962, interval.High, 4);
        double a = results.Interval(results.Methods[0], 0)!.Value.HalfWidth, b = results.Interval(results.Methods[0], 1)!.Value.HalfWidth;
        Assert.Equal(Math.Sqrt(a * a + b * b) / 2, results.AverageHalfWidth(results.Methods[0])!.Value, 12);

        // the table's noise row is taken at each task's median score: 0.5 on a, 0.25 on b
        var typical = results.TypicalHalfWidths()!.Value;
        Assert.Equal(WilsonInterval.Of(0.5, 100).HalfWidth, typical.Tasks[0], 12);
        Assert.Equal(WilsonInterval.Of(0.25, 400).HalfWidth, typical.Tasks[1], 12);
        string table = results.ToTable();
        string[] lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["test", "items", "100", "400"], lines[^3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("95% ±", lines[^2]);
        Assert.EndsWith("9.6     4.2      5.3", lines[^2].TrimEnd());
        Assert.Contains("Wilson", lines[^1]);
        Assert.Contains("a 100 ±9.6, b 400 ±4.2, average ±5.3", results.ToMarkdown());
    }

    [Fact]
    public void SizesSurviveTheJsonAndOlderResultsHaveNoIntervals()
    {
        string folder = Directory.CreateTempSubdirectory("mode-results").FullName;
        try
        {
            string json = Path.Combine(folder, "results.json"), markdown = Path.Combine(folder, "results.md");
            TwoTasks([100, 400]).Save(json, markdown);
            Assert.Equal([100, 400], Results.Load(json).TaskSizes);

            // results.json as versions without sizes wrote it
            TwoTasks(null).Save(json, markdown);
            File.WriteAllText(json, File.ReadAllText(json).Replace("\"TaskSizes\": null,", "").Replace(",\n  \"TaskSizes\": null", ""));
            Assert.DoesNotContain("TaskSizes", File.ReadAllText(json));
            var older = Results.Load(json);
            Assert.Null(older.TaskSizes);
            Assert.Null(older.Interval(older.Methods[0], 0));
            Assert.Null(older.AverageHalfWidth(older.Methods[0]));
            Assert.Contains("no 95% intervals", older.ToTable());
            Assert.DoesNotContain("Wilson", older.ToMarkdown());
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
