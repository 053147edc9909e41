namespace MoDE.Tests;

/// <summary>A test that runs Debian's <c>/usr/bin/python3</c> with PyTorch and NumPy (python3-torch, python3-numpy;
/// .ci/run installs them): skipped, with the reason, where they are missing.</summary>
public sealed class FactWithPyTorchAttribute : FactAttribute
{
    /// <summary>The interpreter the tests run.</summary>
    public const string Python = "/usr/bin/python3";

    static readonly string? Missing = Probe();

    public FactWithPyTorchAttribute()
    {
        if (Missing is not null) Skip = Missing;
    }

    static string? Probe()
    {
        if (!File.Exists(Python)) return $"{Python} is missing (apt-get install python3-torch python3-numpy)";
        var (code, output) = ChildProcess.Run(Python, ["-c", "import torch, numpy"]);
        return code == 0 ? null : $"{Python} cannot import torch and numpy (exit {code}: {output.ReplaceLineEndings(" ")}); apt-get install python3-torch python3-numpy";
    }
}
