using MoDE.Train;

namespace MoDE.Tests.Train;

public class TrainDeviceTests
{
    [Fact]
    public void CudaWithoutCudaFailsAtOnceSayingWhatToInstall()
    {
        if (TorchSharp.torch.cuda.is_available()) return; // a CUDA build: nothing to refuse
        var e = Assert.Throws<InvalidOperationException>(() => new TrainOptions { Device = "cuda" }.Validate());
        Assert.Contains("CUDA is unavailable in this build", e.Message);
        Assert.Contains("TorchSharp-cuda-linux", e.Message);
    }

    [Fact]
    public void OtherDeviceNamesAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainDevice.Check("tpu"));
        Assert.Contains("'tpu'", e.Message);
    }

    [Fact]
    public void DeviceAndWorkersAreNotPartOfTheSavedOptions()
    {
        string json = System.Text.Json.JsonSerializer.Serialize(new TrainOptions { Workers = 3 });
        Assert.DoesNotContain("Device", json);
        Assert.DoesNotContain("Workers", json);
        Assert.Contains("\"Model\":\"tiny\"", json);
        Assert.Contains("CropScale", json);
    }
}
