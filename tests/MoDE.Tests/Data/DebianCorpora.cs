namespace MoDE.Tests.Data;

/// <summary>
/// The real corpora Debian packages, Fashion-MNIST (dataset-fashion-mnist) and OpenClipart (openclipart-png,
/// openclipart-svg), installed with apt when missing, once per test class that takes this fixture. A failed install
/// fails the tests that call <see cref="Require"/> with apt's message; it never skips them.
/// </summary>
public sealed class DebianCorpora
{
    static readonly string[] Packages = ["openclipart-png", "openclipart-svg", "dataset-fashion-mnist"];

    /// <summary>What the importers read by default, one path per package.</summary>
    static readonly string[] Paths = ["/usr/share/openclipart/png", "/usr/share/openclipart/svg", "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"];

    readonly string? failure;

    public DebianCorpora()
    {
        try
        {
            if (!Paths.All(Present)) Apt.Install(Packages);
            if (Paths.Where(p => !Present(p)).ToList() is { Count: > 0 } missing)
                failure = $"apt installed {string.Join(' ', Packages)} but {string.Join(", ", missing)} is still missing";
        }
        catch (Exception e)
        {
            failure = e.Message;
        }
    }

    /// <summary>Fails the calling test unless the corpora are installed.</summary>
    public void Require()
    {
        if (failure is not null) Assert.Fail($"the Debian corpora are not installed: {failure}");
    }

    static bool Present(string path) => File.Exists(path) || Directory.Exists(path);
}
