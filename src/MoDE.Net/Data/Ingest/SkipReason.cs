using System.Text.Json.Serialization;

namespace MoDE.Data.Ingest;

/// <summary>
/// Why a record of a source did not become a pair. Every skip is counted under one of these in the ingest
/// report (as its snake_case name); none stops the run.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<SkipReason>))]
public enum SkipReason
{
    /// <summary>The image file or member holds zero bytes.</summary>
    EmptyFile,
    /// <summary>No decoder recognises the bytes, or the decoder reports an error in the data.</summary>
    CorruptImage,
    /// <summary>
    /// The image stops before its format's end (a cut download): the codec reports incomplete input, a JPEG has no
    /// end marker or a scan whose data stops before its last block, a PNG has no IEND chunk, a WebP is shorter than
    /// its RIFF header says. Never padded: a half-grey picture would teach the model noise.
    /// </summary>
    TruncatedImage,
    /// <summary>The header announces more pixels than <see cref="SourceOptions.MaxPixels"/> (a decompression bomb).</summary>
    TooManyPixels,
    /// <summary>
    /// The encoded image or a member is larger than <see cref="SourceOptions.MaxImageBytes"/>, or a Parquet row group
    /// claims more than <see cref="SourceOptions.MaxBytesInFlight"/> (its rows are skipped together).
    /// </summary>
    TooLarge,
    /// <summary>A progressive JPEG with more scans than <see cref="SourceOptions.MaxJpegScans"/>: each scan is a pass over the whole image.</summary>
    TooManyScans,
    /// <summary>A path that is not a regular file (a folder, a FIFO, a device such as /dev/zero): never opened.</summary>
    NotARegularFile,
    /// <summary>A caption without an image: no image member for the key, or the manifest's image path does not exist.</summary>
    MissingImage,
    /// <summary>A remote image (http, https, s3) in a manifest: ingest reads local files only; download with img2dataset first.</summary>
    RemoteImage,
    /// <summary>An image without a caption.</summary>
    MissingCaption,
    /// <summary>The caption is empty or only white space.</summary>
    EmptyCaption,
    /// <summary>The caption is longer than <see cref="SourceOptions.MaxCaptionBytes"/> (as UTF-8).</summary>
    CaptionTooLong,
    /// <summary>The caption bytes are not valid UTF-8.</summary>
    InvalidUtf8,
    /// <summary>A caption JSON member that does not parse, or has no caption field.</summary>
    BadCaptionJson,
    /// <summary>A pair id seen before (a key repeated in a shard, or the same row twice); the first one is kept.</summary>
    DuplicateId,
    /// <summary>The same image reached by a second path (a symbolic link inside the corpus); the real file is kept.</summary>
    DuplicateImage,
    /// <summary>A tar member with an absolute path or a ".." segment; its bytes are never written anywhere.</summary>
    UnsafePath,
    /// <summary>
    /// A file of the source (a shard, a manifest, a folder) whose reading failed after it gave pairs: a tar cut in a
    /// member or header, a manifest malformed at a line, any error of its reader; the pairs before are kept.
    /// </summary>
    TruncatedShard,
    /// <summary>A file of the source that failed before it gave any pair: not a tar, not Parquet, a manifest without its columns.</summary>
    UnreadableShard,
    /// <summary>A file named by the shard pattern that does not exist.</summary>
    MissingShard,
}
