using System.Text.Json.Serialization;

namespace MoDE.Data.Ingest;

/// <summary>
/// Where training reads a run's pixels from (<see cref="SourceOptions.Pixels"/>, <c>--pixels</c>). Either way ingest
/// decodes every image once, so corrupt images are skipped alike, and training sees the same pixels.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<PixelStore>))]
public enum PixelStore
{
    /// <summary>
    /// <see cref="Source"/> from <see cref="SourceOptions.SourcePixelsFromSize"/> px up, else <see cref="Stored"/> (the
    /// reason is given there).
    /// </summary>
    Auto,

    /// <summary>Decoded pixels in <c>pairs/images/NNNNN.npy</c> (<see cref="ImageSet"/>): 3 x size² bytes per image, read as a memory copy.</summary>
    Stored,

    /// <summary>
    /// The source's WebDataset .tar shards are read in place (<see cref="SourceImageSet"/>): ingest writes where each
    /// image's bytes lie (32 bytes per image) and the batch loader decodes them again, as open_clip's loader decodes its
    /// shards. Only uncompressed .tar shards can be read at an offset; other sources store their pixels.
    /// </summary>
    Source,
}
