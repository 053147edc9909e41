using MoDE.Train;

namespace MoDE.Tests.Train;

public class RandomResizedCropTests
{
    static byte[] Image(int height, int width, int seed)
    {
        var pixels = new byte[height * width * 3];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }

    [Fact]
    public void WholeImageAtRatioOneIsTheIdentity()
    {
        var crop = new RandomResizedCrop { MinScale = 1, MaxScale = 1, MinRatio = 1, MaxRatio = 1 };
        var image = Image(32, 32, 1);
        var output = new byte[image.Length];
        for (ulong seed = 0; seed < 20; seed++)
        {
            crop.Apply(image, 32, 32, output, seed);
            Assert.Equal(image, output);
        }
    }

    [Fact]
    public void WindowsKeepTheScaleAndRatioAndStayInside()
    {
        var crop = new RandomResizedCrop();
        for (int step = 0; step < 200; step++)
        {
            var (top, left, h, w) = crop.Window(32, 32, RandomResizedCrop.Seed(5, step, 3));
            Assert.InRange(top, 0, 32 - h);
            Assert.InRange(left, 0, 32 - w);
            Assert.InRange(h * w / 1024.0, 0.85, 1.0);   // 0.9..1 of the area, up to rounding
            Assert.InRange((double)w / h, 0.7, 1.43);     // 3/4..4/3, up to rounding
        }
    }

    [Fact]
    public void TheCropIsAPureFunctionOfItsSeed()
    {
        var crop = new RandomResizedCrop { MinScale = 0.5 };
        var image = Image(24, 32, 2);
        byte[] a = new byte[image.Length], b = new byte[image.Length], c = new byte[image.Length];
        crop.Apply(image, 24, 32, a, RandomResizedCrop.Seed(1, 10, 0));
        crop.Apply(image, 24, 32, b, RandomResizedCrop.Seed(1, 10, 0));
        crop.Apply(image, 24, 32, c, RandomResizedCrop.Seed(1, 10, 1));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }
}
