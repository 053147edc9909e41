using MoDE.Storage;
using Xunit;

namespace MoDE.Tests.Storage;

public class ConsoleProgressTests
{
    [Fact]
    public void OutsideATerminalWritesPlainLinesWithEtaAndDetail()
    {
        var output = new StringWriter();
        var progress = new ConsoleProgress("train seed", 100, output);
        for (int done = 1; done <= 100; done++) progress.Report(done, $"loss 1.000 lr 1.0E-003 {done} pairs/s");

        string text = output.ToString();
        Assert.DoesNotContain('\r', text); // no in-place redraw: a bar only on a terminal
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("train seed: 1% (1/100) elapsed ", lines[0]);
        Assert.Contains(" ETA ", lines[0]);
        Assert.EndsWith("loss 1.000 lr 1.0E-003 1 pairs/s", lines[0].TrimEnd());
        Assert.StartsWith("train seed: 100% (100/100)", lines[^1]);
        Assert.Contains("ETA --:--", lines[^1]);
        Assert.True(lines.Length <= 12, $"{lines.Length} lines"); // about every 10%, not every step
    }
}
