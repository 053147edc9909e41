namespace MoDE.Data.Ingest;

/// <summary>The images of a run (<c>pairs/images</c>), whichever way ingest kept them (<see cref="PixelStore"/>).</summary>
public static class RunImages
{
    /// <summary>The source read in place when the folder says so (<see cref="SourceImageSet"/>), else the stored pixels (<see cref="ImageSet"/>).</summary>
    public static IImageRows Open(string folder) => SourceImageSet.In(folder) ? SourceImageSet.Open(folder) : ImageSet.Open(folder);
}
