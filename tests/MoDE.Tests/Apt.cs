namespace MoDE.Tests;

/// <summary>
/// Debian packages the tests install when the machine lacks them (as root, like CI). apt holds a lock on its lists and
/// on dpkg, so every install of this test process, and anything else here that may call apt, goes through <see cref="Lock"/>.
/// </summary>
internal static class Apt
{
    /// <summary>Held while apt runs; one for the whole test process.</summary>
    public static readonly object Lock = new();

    static readonly Dictionary<string, string> Noninteractive = new() { ["DEBIAN_FRONTEND"] = "noninteractive" };

    /// <summary>
    /// <c>apt-get update</c>, then <c>apt-get install</c> of <paramref name="packages"/>; throws with apt's output when
    /// either fails.
    /// </summary>
    public static void Install(params string[] packages)
    {
        lock (Lock)
        {
            // A dpkg lock held by another process (an install outside the tests) is waited for rather than failed on.
            Run(["-qq", "-o", "DPkg::Lock::Timeout=300", "update"]);
            Run(["install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=300", .. packages]);
        }
    }

    static void Run(string[] arguments)
    {
        (int exit, string output) = ChildProcess.Run("apt-get", arguments, Noninteractive);
        if (exit != 0)
            throw new InvalidOperationException($"`{ChildProcess.Describe("apt-get", arguments)}` failed (exit {exit}):\n{output}");
    }
}
