using TorchSharp;

using static TorchSharp.torch;

namespace MoDE.Tests;

public class TorchRuns
{
    [Fact]
    public void NativeLibraryLoadsAndComputes()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        var product = a.mm(a.t()); // [[5, 11], [11, 25]]
        Assert.Equal([5f, 11f, 11f, 25f], product.data<float>().ToArray());
        Assert.True(torch.get_num_threads() >= 1);
    }
}
