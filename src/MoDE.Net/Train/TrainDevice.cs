using TorchSharp;

namespace MoDE.Train;

/// <summary>
/// Where a model trains. "cpu", or "cuda": the model, its optimizer state and every batch on the first GPU, with
/// TF32 tensor-core matrix products (TorchSharp 0.107 has no autocast, so weights, activations and AdamW moments stay
/// float32 and the matmuls run in TF32 precision). Checkpoints are always written as CPU tensors.
/// </summary>
public static class TrainDevice
{
    public const string Cpu = "cpu";
    public const string Cuda = "cuda";

    /// <summary>Throws when <paramref name="device"/> is not a device name, or names CUDA and this build cannot use it.</summary>
    public static void Check(string device)
    {
        if (device == Cpu) return;
        if (device != Cuda) throw new ArgumentException($"device '{device}' is neither {Cpu} nor {Cuda}", nameof(device));
        if (!torch.cuda.is_available())
            throw new InvalidOperationException(
                "--device cuda: CUDA is unavailable in this build (it loads the CPU libtorch, or no GPU is visible). " +
                "Build with -p:TorchBackend=cuda (TorchSharp-cuda-linux, libtorch for CUDA, instead of TorchSharp-cpu), on a machine with an NVIDIA driver, or train with --device cpu.");
    }

    /// <summary>The torch device for <paramref name="device"/>, after <see cref="Check"/>.</summary>
    public static torch.Device Of(string device)
    {
        Check(device);
        if (device == Cuda)
        {
            torch.backends.cuda.matmul.allow_tf32 = true;
            torch.backends.cudnn.allow_tf32 = true;
            return torch.CUDA;
        }
        return torch.CPU;
    }
}
