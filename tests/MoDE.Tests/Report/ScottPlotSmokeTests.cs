namespace MoDE.Tests.Report;

public class ScottPlotSmokeTests
{
    [Fact]
    public void Renders()
    {
        ScottPlot.Fonts.AddFontFile("DejaVu Sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", false, false);
        ScottPlot.Fonts.AddFontFile("DejaVu Sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", true, false);
        ScottPlot.Fonts.Default = "DejaVu Sans";
        var plot = new ScottPlot.Plot();
        plot.Add.Bars(new double[] { 1, 2, 3 });
        plot.Title("hello 123");
        plot.Axes.Bottom.Label.Text = "expert";
        var bytes = plot.GetImageBytes(600, 400, ScottPlot.ImageFormat.Png);
        File.WriteAllBytes("/tmp/smoke.png", bytes);
        Assert.True(bytes.Length > 1000);
    }
}
