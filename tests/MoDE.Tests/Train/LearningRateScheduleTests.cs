using MoDE.Train;
using Xunit;

namespace MoDE.Tests.Train;

public class LearningRateScheduleTests
{
    readonly LearningRateSchedule _schedule = new(PeakLearningRate: 5e-4, WarmupSteps: 10, TotalSteps: 100);

    [Fact]
    public void WarmupRisesLinearlyFromZeroToPeak()
    {
        Assert.Equal(0, _schedule.At(0));
        for (int step = 1; step <= 10; step++)
            Assert.Equal(5e-4 * step / 10, _schedule.At(step), 12);
        Assert.Equal(5e-4, _schedule.At(10), 12);
    }

    [Fact]
    public void CosineDecaysMonotonicallyToZero()
    {
        for (int step = 10; step < 100; step++)
            Assert.True(_schedule.At(step + 1) <= _schedule.At(step), $"rose at step {step}");
        Assert.Equal(2.5e-4, _schedule.At(55), 12);  // halfway through the decay
        Assert.InRange(_schedule.At(99), 0, 5e-4 * 1e-3);
        Assert.Equal(0, _schedule.At(100));
        Assert.Equal(0, _schedule.At(1000));
    }
}
