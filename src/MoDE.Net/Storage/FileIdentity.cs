using System.Security.Cryptography;

namespace MoDE.Storage;

/// <summary>
/// A file an option names, as a stage's marker records it: its full path, its length and the SHA-256 of its content,
/// so that a rerun naming another file, or the same path with other content, differs from the recorded options.
/// </summary>
public sealed record FileIdentity(string Path, long Bytes, string Sha256)
{
    /// <summary>The identity of the file at <paramref name="path"/> now; <see cref="FileNotFoundException"/> naming it
    /// when there is none.</summary>
    public static FileIdentity Of(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path, nameof(path));
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"{full}: no such file", full);
        using var stream = File.OpenRead(full);
        return new FileIdentity(full, stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }

    /// <summary>Throws <see cref="InvalidDataException"/> naming the file unless it still has this identity.</summary>
    public void Require()
    {
        var now = Of(Path);
        if (now != this)
            throw new InvalidDataException($"{Path}: changed since it was given ({Bytes} bytes, SHA-256 {Sha256}; now {now.Bytes} bytes, SHA-256 {now.Sha256})");
    }

    public override string ToString() => $"{Path} ({Bytes} bytes, SHA-256 {Sha256})";
}
