using Microsoft.ML.OnnxRuntime;

namespace MoDE.Embed;

/// <summary>
/// Where the caption encoder runs: "cpu", or "cuda", ONNX Runtime's CUDA execution provider on the first GPU (ONNX
/// Runtime's documentation, "CUDA Execution Provider"). Only the Microsoft.ML.OnnxRuntime.Gpu.Linux package, which the
/// build with <c>-p:TorchBackend=cuda</c> references, has that provider; the CPU package lists none but the CPU's.
/// </summary>
public static class EmbedDevice
{
    public const string Cpu = "cpu";
    public const string Cuda = "cuda";
    const string CudaProvider = "CUDAExecutionProvider";

    /// <summary>The parameter name of a wrong device in errors: the train stage's device has a flag of its own.</summary>
    public const string Property = "EmbedDevice";

    /// <summary>Throws, naming <see cref="Property"/>, when <paramref name="device"/> is not a device name, and
    /// <see cref="InvalidOperationException"/> when it names CUDA and this build's ONNX Runtime lacks the CUDA provider.</summary>
    public static void Check(string device)
    {
        if (device == Cpu) return;
        if (device != Cuda) throw new ArgumentException($"device '{device}' is neither {Cpu} nor {Cuda}", Property);
        if (!OrtEnv.Instance().GetAvailableProviders().Contains(CudaProvider))
            throw new InvalidOperationException(
                $"--embed-device cuda: this build's ONNX Runtime has no {CudaProvider} (it references Microsoft.ML.OnnxRuntime, the CPU package); " +
                "build with -p:TorchBackend=cuda (Microsoft.ML.OnnxRuntime.Gpu.Linux), on a machine with an NVIDIA driver, CUDA 12 and cuDNN 9, or embed with --embed-device cpu");
    }

    /// <summary>Adds the execution provider of <paramref name="device"/> to <paramref name="options"/>, after <see cref="Check"/>.</summary>
    public static void Apply(SessionOptions options, string device)
    {
        ArgumentNullException.ThrowIfNull(options);
        Check(device);
        if (device != Cuda) return;
        try { options.AppendExecutionProvider_CUDA(0); }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException($"--embed-device cuda: ONNX Runtime's {CudaProvider} did not start (it needs an NVIDIA GPU, CUDA 12 and cuDNN 9 libraries): {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }
}
