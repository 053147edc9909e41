using Xunit;

namespace MoDE.Tests;

/// <summary>A test that needs unshare(1) with user and mount namespaces, and mount(8) inside them: skipped, with the reason, where they are missing.</summary>
public sealed class FactWithMountNamespaceAttribute : FactAttribute
{
    static readonly string? Missing = Probe();

    public FactWithMountNamespaceAttribute()
    {
        if (Missing is not null) Skip = Missing;
    }

    static string? Probe()
    {
        try
        {
            var (code, output) = RunAsRoot("mount -t tmpfs -o size=64k tmpfs /mnt");
            return code == 0 ? null : $"unshare --user --map-root-user --mount cannot mount a tmpfs here (exit {code}: {output.ReplaceLineEndings(" ")})";
        }
        catch (System.ComponentModel.Win32Exception e) { return $"unshare(1) cannot be started: {e.Message}"; }
    }

    /// <summary><paramref name="text"/> as one word of sh(1).</summary>
    public static string Quote(string text) => "'" + text.Replace("'", "'\\''") + "'";

    /// <summary>Runs <paramref name="script"/> as root of a new user and mount namespace, where it may mount a tmpfs of a chosen size.</summary>
    public static (int ExitCode, string Output) RunAsRoot(string script) => ChildProcess.Run("unshare", ["--user", "--map-root-user", "--mount", "sh", "-c", script]);
}
