using MoDE.Embed;
using MoDE.Tests.Cli;
using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace MoDE.Tests.Embed;

/// <summary><c>--embed-device</c>: the CPU build (Microsoft.ML.OnnxRuntime) refuses cuda in one line naming the flag and
/// the build that has it, before any stage runs; a name that is no device is a wrong flag value.</summary>
public class EmbedDeviceTests
{
    static bool CudaBuild => OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider");

    [Fact]
    public void CudaOnTheCpuBuildIsOneLineNamingTheFlagAndTheBuild()
    {
        if (CudaBuild) return; // the -p:TorchBackend=cuda build: nothing to refuse
        using (var cpu = CaptionEncoder.Open(CaptionEncoder.MiniLMName, threads: 1, device: EmbedDevice.Cpu))
            Assert.Equal(384, cpu.Dimension);
        var e = Assert.Throws<InvalidOperationException>(() => CaptionEncoder.Open(CaptionEncoder.MiniLMName, threads: 1, device: EmbedDevice.Cuda));
        Assert.StartsWith("--embed-device cuda: this build's ONNX Runtime has no CUDAExecutionProvider", e.Message);
        Assert.Contains("-p:TorchBackend=cuda", e.Message);

        string run = Path.Combine(Path.GetTempPath(), $"mode-embed-device-{Guid.NewGuid():N}");
        var result = InProcessMode.Run("run", "--run", run, "--embed-device", "cuda");
        Assert.Equal(1, result.Code);
        Assert.StartsWith("mode run: --embed-device cuda: this build's ONNX Runtime has no CUDAExecutionProvider", result.Error);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.False(Directory.Exists(run)); // refused before the first stage
    }

    [Fact]
    public void ANameThatIsNoDeviceIsAWrongFlagValue()
    {
        string run = Path.Combine(Path.GetTempPath(), $"mode-embed-device-{Guid.NewGuid():N}");
        var result = InProcessMode.Run("run", "--run", run, "--embed-device", "tpu");
        Assert.Equal(2, result.Code);
        Assert.StartsWith("mode run: --embed-device: device 'tpu' is neither cpu nor cuda", result.Error);
        Assert.False(Directory.Exists(run));
    }
}
