namespace MoDE.Tests.Data;

/// <summary>A test that needs a file a Debian package installs; skipped, saying which package, when it is absent.</summary>
public sealed class RequiresFileFactAttribute : FactAttribute
{
    public RequiresFileFactAttribute(string path, string package)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            Skip = $"{path} is absent: install it with `apt-get install -y {package}` (.ci/run does)";
    }
}
