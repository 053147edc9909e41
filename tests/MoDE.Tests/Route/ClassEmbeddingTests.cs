using MoDE.Route;

namespace MoDE.Tests.Route;

public class ClassEmbeddingTests
{
    [Fact]
    public void IsTheRenormalizedMeanOfNormalizedPrompts()
    {
        // Two orthogonal prompts, one ten times longer: normalizing each first gives them equal say.
        float[] a = [10, 0, 0], b = [0, 1, 0];
        float[] e = ClassEmbedding.FromPrompts([a, b]);
        Assert.Equal(1 / MathF.Sqrt(2), e[0], 5);
        Assert.Equal(1 / MathF.Sqrt(2), e[1], 5);
        Assert.Equal(0, e[2], 5);
        Assert.Throws<ArgumentException>(() => ClassEmbedding.FromPrompts([]));
    }
}
