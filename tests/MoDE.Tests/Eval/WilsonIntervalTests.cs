using MoDE.Eval;

namespace MoDE.Tests.Eval;

public class WilsonIntervalTests
{
    [Theory]
    // Newcombe, "Two-sided confidence intervals for the single proportion", Statistics in Medicine 1998, Table II
    // (score method without continuity correction), and 50/100 by hand
    [InlineData(50, 100, 0.4038, 0.5962)]
    [InlineData(81, 263, 0.2553, 0.3662)]
    [InlineData(15, 148, 0.0624, 0.1605)]
    [InlineData(0, 20, 0.0, 0.1611)]
    [InlineData(1, 29, 0.0061, 0.1718)]
    public void MatchesPublishedValues(int successes, int trials, double low, double high)
    {
        var interval = WilsonInterval.Of((double)successes / trials, trials);
        Assert.Equal(low, interval.Low, 4);
        Assert.Equal(high, interval.High, 4);
    }

    [Fact]
    public void StaysInsideZeroOneAndNarrowsWithMoreTrials()
    {
        Assert.Equal(1.0, WilsonInterval.Of(1, 10).High, 12);
        Assert.True(WilsonInterval.Of(1, 10).Low > 0.6);
        Assert.Equal(0.0962, WilsonInterval.Of(0.5, 100).HalfWidth, 4);
        Assert.Equal(0.0098, WilsonInterval.Of(0.5, 10_000).HalfWidth, 4); // about 1.96 * sqrt(0.25 / n)
        Assert.Throws<ArgumentOutOfRangeException>(() => WilsonInterval.Of(0.5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => WilsonInterval.Of(1.5, 10));
    }

    [Fact]
    public void TheMeanOfIndependentEstimatesAddsInQuadrature()
    {
        Assert.Equal(0.025, WilsonInterval.MeanHalfWidth([0.03, 0.04]), 12); // sqrt(0.03^2 + 0.04^2) / 2
        Assert.Equal(0.0, WilsonInterval.MeanHalfWidth([]));
    }
}
