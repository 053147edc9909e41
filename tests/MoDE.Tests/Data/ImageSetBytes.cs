using MoDE.Data;

namespace MoDE.Tests.Data;

/// <summary>A set's bytes for tests that compare whole sets: its pixels, or its folder's shard files.</summary>
static class ImageSetBytes
{
    public static byte[] Pixels(ImageSet images)
    {
        var all = new byte[(long)images.Count * images.ImageBytes];
        images.CopyImages([.. Enumerable.Range(0, images.Count)], all);
        return all;
    }

    /// <summary>Every shard file of the folder, in order, end to end.</summary>
    public static byte[] Files(string folder) =>
        [.. Directory.GetFiles(folder).Order(StringComparer.Ordinal).SelectMany(File.ReadAllBytes)];
}
