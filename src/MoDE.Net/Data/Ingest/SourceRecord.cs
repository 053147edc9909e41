namespace MoDE.Data.Ingest;

/// <summary>
/// One candidate pair as a reader found it, before decoding: a stable id, the caption, and the encoded image,
/// either in memory (<see cref="ImageBytes"/>, from a tar member or a Parquet cell) or as a local file
/// (<see cref="ImagePath"/>, read by the decoding thread). A member of an uncompressed tar also says where its bytes
/// lie: <see cref="ImageOffset"/> in the file <see cref="Shard"/> (-1 otherwise), so training can read them there
/// again (<see cref="PixelStore.Source"/>).
/// </summary>
public sealed record SourceRecord(string Id, string Caption, byte[]? ImageBytes = null, string? ImagePath = null, string? Shard = null, long ImageOffset = -1);
