namespace MoDE.Tests;

/// <summary>The checkout the tests run from, for the scripts they start (scripts/, tests/python/).</summary>
internal static class Repository
{
    /// <summary>The folder holding MoDE.slnx, above the test assembly.</summary>
    public static string Root
    {
        get
        {
            for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
                if (File.Exists(Path.Combine(folder.FullName, "MoDE.slnx"))) return folder.FullName;
            throw new InvalidOperationException($"no MoDE.slnx in {AppContext.BaseDirectory} or any folder above it");
        }
    }
}
