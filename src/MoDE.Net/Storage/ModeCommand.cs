using System.Reflection;

namespace MoDE.Storage;

/// <summary>
/// How to start this CLI again, as a user would type it: the hints the stages print (<c>mode clusters --run ...</c>)
/// and the lines the Slurm launcher writes into sbatch files use it, so they work whether the tool is on the PATH,
/// started through its apphost under <c>bin/</c>, or as <c>dotnet mode.dll</c>.
/// </summary>
public static class ModeCommand
{
    /// <summary><c>mode</c> when the running executable is the one the PATH finds, or when the library runs inside
    /// another program; otherwise the CLI's full path, or <c>dotnet PATH/mode.dll</c>.</summary>
    public static string Invocation { get; } = Find();

    static string Find()
    {
        var entry = Assembly.GetEntryAssembly();
        if (entry?.GetName().Name != "mode") return "mode"; // the library inside another program: name the tool
        string process = Environment.ProcessPath ?? "mode";
        string? assembly = entry.Location;
        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
            return string.IsNullOrEmpty(assembly) ? "mode" : $"{Quote(process)} {Quote(assembly)}";
        bool onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "mode")).FirstOrDefault(File.Exists) is { } found
            && Path.GetFullPath(found) == Path.GetFullPath(process);
        return onPath ? "mode" : Quote(process);
    }

    /// <summary>A word for bash: single-quoted unless it holds only safe characters.</summary>
    public static string Quote(string word) => IsPlain(word) ? word : "'" + word.Replace("'", "'\\''") + "'";

    /// <summary>True when <paramref name="word"/> is not empty and holds only letters, digits and <c>/._-=:,@%+</c>:
    /// characters no shell, and no <c>#SBATCH</c> line, reads as anything but themselves.</summary>
    public static bool IsPlain(string word) => word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-=:,@%+".Contains(c));
}
