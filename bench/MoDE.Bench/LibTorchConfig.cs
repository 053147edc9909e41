using System.Runtime.InteropServices;

namespace MoDE.Bench;

/// <summary>
/// The build configuration of the libtorch that TorchSharp loaded, as PyTorch's torch.__config__.show() prints it
/// (compiler, BLAS, MKL and oneDNN versions, OpenMP), read by calling libtorch's own at::show_config(). TorchSharp
/// does not wrap it. It returns a C++ std::string (libstdc++, new ABI: pointer, length, 16-byte inline buffer), which
/// the x86-64 System V ABI returns through a hidden pointer to caller memory; the string's heap block is not freed
/// (one small leak per call, for a benchmark). Linux x64 only; null elsewhere or when the symbol is missing.
/// </summary>
static class LibTorchConfig
{
    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at11show_configB5cxx11Ev")]
    static extern void ShowConfig(IntPtr result);

    public static string? Show()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return null;
        TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU); // libtorch loaded
        IntPtr result = Marshal.AllocHGlobal(64);
        try
        {
            ShowConfig(result);
            IntPtr text = Marshal.ReadIntPtr(result);
            long length = Marshal.ReadInt64(result, 8);
            return Marshal.PtrToStringUTF8(text, checked((int)length));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        finally
        {
            Marshal.FreeHGlobal(result);
        }
    }
}
