namespace MoDE.Tests;

/// <summary>A test that runs Debian's <c>/usr/bin/python3</c> with PyTorch and NumPy (python3-torch, python3-numpy),
/// installed by the tests where missing: skipped, with the reason, only where they cannot be installed.</summary>
public sealed class FactWithPyTorchAttribute : FactAttribute
{
    /// <summary>The interpreter the tests run.</summary>
    public const string Python = "/usr/bin/python3";

    static readonly string? Missing = Probe();

    public FactWithPyTorchAttribute()
    {
        if (Missing is not null) Skip = Missing;
    }

    /// <summary>Null when PyTorch and NumPy import; where they do not, they are installed first (<see cref="Apt"/>, as
    /// the other Debian packages the tests use), and the reason is returned only when that fails too.</summary>
    static string? Probe()
    {
        if (Import() is null) return null;
        try { Apt.Install("python3", "python3-torch", "python3-numpy"); }
        catch (InvalidOperationException e) { return $"{Import()}; installing them failed: {e.Message.ReplaceLineEndings(" ")}"; }
        return Import();
    }

    static string? Import()
    {
        if (!File.Exists(Python)) return $"{Python} is missing (apt-get install python3-torch python3-numpy)";
        var (code, output) = ChildProcess.Run(Python, ["-c", "import torch, numpy"]);
        return code == 0 ? null : $"{Python} cannot import torch and numpy (exit {code}: {output.ReplaceLineEndings(" ")})";
    }
}
