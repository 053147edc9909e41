namespace MoDE.Data;

/// <summary>
/// The images of a run by row (row i shows pair i), whichever way they are kept: decoded pixels mapped from disk
/// (<see cref="ImageSet"/>) or the source's encoded images, decoded on each read (Data.Ingest's SourceImageSet). Both
/// give the same pixels for the same row, so training and the held-out split do not depend on the choice.
/// </summary>
public interface IImageRows : IDisposable
{
    int Count { get; }
    int Height { get; }
    int Width { get; }
    int ImageBytes { get; }

    /// <summary>The images at <paramref name="rows"/>, height x width x RGB each, one after another, into <paramref name="destination"/>.</summary>
    void CopyImages(ReadOnlySpan<int> rows, Span<byte> destination);

    /// <summary>The 64-bit XXH3 (System.IO.Hashing) of the pixels of <paramref name="row"/>: a cheap first test for pixel-identical images.</summary>
    ulong PixelHash(int row);

    /// <summary>
    /// Writes the images at <paramref name="rows"/>, in this order, as a set of the same kind in <paramref name="folder"/>,
    /// replacing it in one rename. The folder may be this set's own: a replaced file stays readable through this set until
    /// it is disposed (POSIX rename and unlink).
    /// </summary>
    void SaveRows(IReadOnlyList<int> rows, string folder, long shardBytes);
}
