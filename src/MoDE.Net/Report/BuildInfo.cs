using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;

namespace MoDE.Report;

/// <summary>
/// What this program was built from and what it runs on: MoDE.NET's version and the git commit of its build (from
/// the assembly's informational version, "version+commit", which build/SourceRevision.targets fills in; "unknown"
/// when the build had no git checkout), and the versions of the .NET runtime, TorchSharp and its libtorch, ONNX
/// Runtime and the operating system.
/// </summary>
public static class BuildInfo
{
    static readonly string Informational = InformationalVersion(typeof(BuildInfo).Assembly);

    /// <summary>MoDE.NET's version, without the commit.</summary>
    public static string Version => Informational.Split('+')[0];

    /// <summary>The full git commit id the library was built from, or "unknown".</summary>
    public static string Commit => Informational.Split('+') is [_, { Length: > 0 } commit, ..] ? commit : "unknown";

    /// <summary>Each tool's name and version, in a fixed order; a version that cannot be read says why.</summary>
    public static IReadOnlyList<(string Tool, string Version)> Tools() =>
    [
        (".NET runtime", RuntimeInformation.FrameworkDescription),
        ("TorchSharp", InformationalVersion(typeof(torch).Assembly).Split('+')[0]),
        ("libtorch", Read(() => torch.NormalizeNuGetVersion(torch.__version__))),
        ("ONNX Runtime", Read(() => OrtEnv.Instance().GetVersionString())),
        ("OS", $"{RuntimeInformation.OSDescription}, {RuntimeInformation.OSArchitecture}"),
    ];

    static string InformationalVersion(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>A native library's version; the report is still written when the library cannot be loaded.</summary>
    static string Read(Func<string> version)
    {
        try { return version(); }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or OnnxRuntimeException or NotSupportedException)
        {
            return $"unavailable ({e.GetType().Name})";
        }
    }
}
