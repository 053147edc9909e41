using MoDE.Data;
using MoDE.Train;
using Xunit;

namespace MoDE.Tests.Train;

public class PassSamplerTests
{
    static TrainingData Data(double ratio) => new(
        new ImageSet(200, 1, 1, new byte[600]), new long[200][], Enumerable.Range(0, 100).ToArray(), Enumerable.Range(100, 100).ToArray(), ratio);

    [Fact]
    public void EachPassIsTheRowsPlusAFreshOutOfClusterSample()
    {
        var sampler = new PassSampler(Data(0.1), batchSize: 11, seed: 3);
        Assert.Equal(10, sampler.StepsPerPass); // 110 pairs per pass
        var pass0 = sampler.Order(0);
        var pass1 = sampler.Order(1);
        foreach (var pass in new[] { pass0, pass1 })
        {
            Assert.Equal(110, pass.Distinct().Count());
            Assert.Equal(Enumerable.Range(0, 100), pass.Where(r => r < 100).Order());
            Assert.Equal(10, pass.Count(r => r >= 100));
        }
        Assert.NotEqual(pass0.Where(r => r >= 100).Order(), pass1.Where(r => r >= 100).Order());
        Assert.NotEqual(pass0, pass1);
    }

    [Fact]
    public void BatchesArePureFunctionsOfSeedAndStep()
    {
        var a = new PassSampler(Data(0.02), batchSize: 16, seed: 5);
        var b = new PassSampler(Data(0.02), batchSize: 16, seed: 5);
        Assert.Equal(a.Batch(13).ToArray(), b.Batch(13).ToArray()); // b jumps straight to pass 2
        Assert.Equal(a.Batch(0).ToArray(), b.Batch(0).ToArray());
        Assert.NotEqual(a.Batch(0).ToArray(), new PassSampler(Data(0.02), batchSize: 16, seed: 6).Batch(0).ToArray());
    }
}
