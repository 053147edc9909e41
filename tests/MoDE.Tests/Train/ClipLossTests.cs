using MoDE.Model;
using MoDE.Train;
using TorchSharp;
using Xunit;

using static TorchSharp.torch;

namespace MoDE.Tests.Train;

public class ClipLossTests
{
    [Fact]
    public void PerfectlyAlignedBatchAtMaximumScaleHasNearZeroLoss()
    {
        using var scope = torch.NewDisposeScope();
        var features = torch.eye(8, 16);                  // orthonormal rows
        var scale = torch.tensor(Clip.MaxLogitScale + 1); // above the clamp: used as ln(100)
        double loss = ClipLoss.Compute(features, features, scale).item<float>();
        Assert.InRange(loss, 0, 1e-6);
    }

    [Fact]
    public void IdenticalEmbeddingsGiveLogOfBatchSize()
    {
        using var scope = torch.NewDisposeScope();
        var features = nn.functional.normalize(torch.ones(8, 16), dim: -1);
        double loss = ClipLoss.Compute(features, features, torch.tensor(Clip.InitialLogitScale)).item<float>();
        Assert.Equal(Math.Log(8), loss, 5);
    }

    [Fact]
    public void LogitScaleClampStopsItsGradient()
    {
        using var scope = torch.NewDisposeScope();
        var features = nn.functional.normalize(torch.linspace(-1, 1, 32).view(4, 8), dim: -1);
        var scale = torch.tensor(5.0f, requires_grad: true);
        ClipLoss.Compute(features, features.flip(0), scale).backward();
        Assert.Equal(0f, scale.grad!.item<float>());
    }
}
