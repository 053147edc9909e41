using System.Text.Json;
using Xunit;

namespace MoDE.Tests.Architecture;

/// <summary>
/// The build property TorchBackend (Directory.Build.props, build/TorchBackend.targets): by default src/MoDE.Net
/// references the CPU builds of libtorch and ONNX Runtime, with cuda the GPU ones instead (MSBuild's evaluation alone,
/// <c>dotnet msbuild -getItem</c>: the CUDA packages are not restored here), and any other value stops the build in one
/// error naming the value and both choices.
/// </summary>
public class TorchBackendTests
{
    static string Dotnet => Environment.ProcessPath!.EndsWith("dotnet") ? Environment.ProcessPath : "dotnet";
    static string Library => Path.Combine(Repository.Root, "src", "MoDE.Net", "MoDE.Net.csproj");

    static (string Backend, string[] Packages) Evaluate(params string[] properties)
    {
        var (code, output) = ChildProcess.Run(Dotnet, ["msbuild", Library, "-getProperty:TorchBackend", "-getItem:PackageReference", .. properties]);
        Assert.True(code == 0, output);
        using var json = JsonDocument.Parse(output[output.IndexOf('{')..]);
        return (json.RootElement.GetProperty("Properties").GetProperty("TorchBackend").GetString()!,
                [.. json.RootElement.GetProperty("Items").GetProperty("PackageReference").EnumerateArray().Select(i => i.GetProperty("Identity").GetString()!)]);
    }

    [Fact]
    public void CpuIsTheDefaultAndCudaSwapsBothNativePackages()
    {
        var (backend, packages) = Evaluate();
        Assert.Equal("cpu", backend);
        Assert.Contains("TorchSharp-cpu", packages);
        Assert.Contains("Microsoft.ML.OnnxRuntime", packages);
        Assert.DoesNotContain(packages, p => p is "TorchSharp-cuda-linux" or "Microsoft.ML.OnnxRuntime.Gpu.Linux");

        var (cuda, gpu) = Evaluate("-p:TorchBackend=cuda");
        Assert.Equal("cuda", cuda);
        Assert.Contains("TorchSharp-cuda-linux", gpu);
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu.Linux", gpu);
        Assert.DoesNotContain(gpu, p => p is "TorchSharp-cpu" or "Microsoft.ML.OnnxRuntime");
        Assert.Equal(packages.Length, gpu.Length); // the rest is the same
    }

    [Fact]
    public void AnyOtherValueIsOneErrorNamingIt()
    {
        var (code, output) = ChildProcess.Run(Dotnet, ["msbuild", Library, "-t:CheckTorchBackend", "-p:TorchBackend=rocm", "-nologo"]);
        Assert.NotEqual(0, code);
        var errors = output.Split('\n').Where(l => l.Contains("error", StringComparison.Ordinal)).Distinct().ToList();
        Assert.Contains(errors, l => l.Contains("TorchBackend 'rocm' is neither cpu", StringComparison.Ordinal) && l.Contains("nor cuda", StringComparison.Ordinal));
    }
}
