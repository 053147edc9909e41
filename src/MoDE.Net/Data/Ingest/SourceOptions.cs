using System.Text.Json.Serialization;

namespace MoDE.Data.Ingest;

/// <summary>
/// Options of an ingest from the user's data (<see cref="SourceIngest"/>) instead of the built-in dataset. The
/// Max* limits bound the work and memory of one record whatever a file claims; a record over one is skipped and
/// counted (<see cref="SkipReason"/>).
/// </summary>
public sealed record SourceOptions
{
    /// <summary>The default of <see cref="MaxJpegScans"/>, for an <see cref="ImageDecoder"/> built without options.</summary>
    public const int DefaultMaxJpegScans = 32;

    /// <summary>A file, a folder, or a pattern: <c>data/{00000..00099}.tar</c>, <c>data/*.parquet</c> (<see cref="ShardPattern"/>).</summary>
    public string Source { get; init; } = "";

    /// <summary>Needed only when the extension does not tell (<see cref="SourceFormat.Auto"/>).</summary>
    public SourceFormat Format { get; init; } = SourceFormat.Auto;

    /// <summary>Side of the square training images. 32 as the built-in dataset, so the same tiny models train on either.</summary>
    public int ImageSize { get; init; } = 32;

    /// <summary>What transparent pixels become (<see cref="ImageBackground"/>).</summary>
    public ImageBackground Background { get; init; } = ImageBackground.White;

    /// <summary>
    /// Largest width x height decoded: 89,478,485 as Pillow's decompression-bomb warning limit (a 9459 x 9459
    /// image, about 358 MB as RGBA). Checked from the header before any pixel memory is taken.
    /// </summary>
    public long MaxPixels { get; init; } = 89_478_485;

    /// <summary>Largest encoded image (or tar member) read, 64 MiB: far above any web image, small enough to hold a few per thread.</summary>
    public long MaxImageBytes { get; init; } = 64L << 20;

    /// <summary>
    /// Longest caption kept, in UTF-8 bytes: 8 KiB. Web alt-text is rarely over a few hundred bytes and CLIP reads
    /// 77 tokens (about 300 characters of English); long synthetic captions run to a few KiB. A caption of hundreds
    /// of KiB is junk (a page's text, one repeated word) and costs the tokenizer trainer seconds.
    /// </summary>
    public int MaxCaptionBytes { get; init; } = 8 << 10;

    /// <summary>
    /// Most encoded bytes (images and captions) that ingest holds at once, 256 MiB: the chunk being decoded, the
    /// chunk read ahead, and the one record between them. Records are decoded in chunks of at most
    /// <see cref="SourceIngest.ChunkSize"/> records and (this - the largest record) / 2 bytes, so a shard of large
    /// members (a .tar.gz of compressible images) cannot fill memory; the bound depends on the data only, not on the
    /// number of threads, so the output does not either. Also the most a Parquet row group may claim (it is read whole).
    /// </summary>
    public long MaxBytesInFlight { get; init; } = 256L << 20;

    /// <summary>
    /// Most scans of a JPEG: 32. A progressive JPEG is decoded one scan at a time and each scan is a pass over every
    /// block of the image, even a scan of a few bytes (libjpeg-turbo's djpeg documents <c>-maxscans</c> against
    /// this), so a crafted file costs up to this many decodes of its pixels. Encoders write about 10 (libjpeg's
    /// <c>jpeg_simple_progression</c> writes 10 for color, 6 for grey); Skia itself stops at 100.
    /// </summary>
    public int MaxJpegScans { get; init; } = DefaultMaxJpegScans;

    /// <summary>Stop after this many pairs are kept (0: all); a quick look at a large source.</summary>
    public int MaxPairs { get; init; }

    /// <summary>Picks one of several captions per pair (MetaCLIP's "texts") and the held-out images (<see cref="HeldOutSplit"/>).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Share of the kept images held out of training as the retrieval task <c>tasks/held-out</c>, which the eval stage
    /// scores (<see cref="HeldOutSplit"/>): 1%, as a validation split of a web corpus, within
    /// [<see cref="HeldOutMin"/>, <see cref="HeldOutMax"/>] images. 0 holds nothing out (then the run needs other tasks).
    /// </summary>
    public double HeldOut { get; init; } = 0.01;

    /// <summary>
    /// Fewest images held out: 100, so Recall@1 is a proportion over at least 100 queries (95% interval about ±10 points).
    /// A corpus of fewer than twice as many pairs has none held out (too small to train on and to measure with): its run needs other tasks.
    /// </summary>
    public int HeldOutMin { get; init; } = 100;

    /// <summary>Most images held out: 1,000, as Flickr30k's test split; past that the interval narrows little and each model embeds every caption.</summary>
    public int HeldOutMax { get; init; } = 1000;

    /// <summary>Bytes of pixels per image shard, <c>pairs/images/NNNNN.npy</c> (<see cref="ImageSetWriter.DefaultShardBytes"/>: about 1 GiB, why there).</summary>
    public long ShardBytes { get; init; } = ImageSetWriter.DefaultShardBytes;

    /// <summary>Where training reads the pixels from (<see cref="PixelStore"/>): by default decided by <see cref="ImageSize"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] // absent from the stage marker while Auto, as before the option existed
    public PixelStore Pixels { get; init; }

    /// <summary>
    /// Smallest <see cref="ImageSize"/> at which <see cref="PixelStore.Auto"/> reads the source's shards in place: 128 px.
    /// Stored pixels cost 3 x size² bytes an image: 3 KB at 32 px, 48 KB at 128, 150 KB at 224 (15 TB for 100M images),
    /// while a web image as img2dataset writes it (256 px JPEG) is some 10 to 30 KB, so from 128 px a store is larger than
    /// the shards it comes from, and at 224 px several times larger. Decoding again costs about a millisecond of one core
    /// per image at every step; beside a model that takes 224 px images (ViT-B-32: some 13 GFLOP per image and step)
    /// that is small and hidden in the loader's workers, as in open_clip, but the tiny 32 px models train faster than
    /// their images decode, so below 128 px a stored copy (a memory copy per image) is both smaller than the source and faster.
    /// </summary>
    public const int SourcePixelsFromSize = 128;

    /// <summary>
    /// Read image paths of manifests (and symbolic links of image folders) that lead outside their folder
    /// (<see cref="DataPath"/>); by default they are counted as <see cref="SkipReason.UnsafePath"/>.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] // absent from the stage marker while off, as before the option existed
    public bool AllowOutsidePaths { get; init; }

    /// <summary>Decoding threads (0: one per core). Does not change the output, so a rerun with another count is the same stage.</summary>
    [JsonIgnore] public int Threads { get; init; }

    /// <summary>The most memory one record holds: its image and its caption (two bytes a character).</summary>
    [JsonIgnore] public long MaxRecordBytes => MaxImageBytes + 2L * MaxCaptionBytes;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Source)) throw new ArgumentException("no source given (a file, folder or shard pattern)", nameof(Source));
        if (ImageSize is < 8 or > 1024) throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, "image size must be between 8 and 1024 pixels");
        if (MaxPixels < 1) throw new ArgumentOutOfRangeException(nameof(MaxPixels), MaxPixels, "must be at least 1");
        if (MaxImageBytes < 1 || MaxImageBytes >= Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(MaxImageBytes), MaxImageBytes, $"must be between 1 and {Array.MaxLength - 1}");
        if (MaxCaptionBytes < 1) throw new ArgumentOutOfRangeException(nameof(MaxCaptionBytes), MaxCaptionBytes, "must be at least 1");
        if (MaxBytesInFlight < 3 * MaxRecordBytes)
            throw new ArgumentOutOfRangeException(nameof(MaxBytesInFlight), MaxBytesInFlight, $"must be at least 3 times the largest record ({MaxRecordBytes} bytes: {nameof(MaxImageBytes)} and a caption of {nameof(MaxCaptionBytes)})");
        if (MaxJpegScans < 1) throw new ArgumentOutOfRangeException(nameof(MaxJpegScans), MaxJpegScans, "must be at least 1");
        if (MaxPairs < 0) throw new ArgumentOutOfRangeException(nameof(MaxPairs), MaxPairs, "must be 0 (all) or more");
        if (HeldOut is < 0 or >= 0.5 || double.IsNaN(HeldOut)) throw new ArgumentOutOfRangeException(nameof(HeldOut), HeldOut, "must be 0 (none) or a share below 0.5");
        if (HeldOutMin < 2) throw new ArgumentOutOfRangeException(nameof(HeldOutMin), HeldOutMin, "must be at least 2 (retrieval among one image is no test)");
        if (HeldOutMax < HeldOutMin) throw new ArgumentOutOfRangeException(nameof(HeldOutMax), HeldOutMax, $"must be at least {nameof(HeldOutMin)} ({HeldOutMin})");
        if (ShardBytes < (long)ImageSize * ImageSize * ImageSet.Channels)
            throw new ArgumentOutOfRangeException(nameof(ShardBytes), ShardBytes, $"a shard must hold at least one image ({ImageSize * ImageSize * ImageSet.Channels} bytes at {ImageSize}x{ImageSize})");
        if (!Enum.IsDefined(Pixels)) throw new ArgumentOutOfRangeException(nameof(Pixels), Pixels, "must be Auto, Stored or Source");
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "must be 0 (one per core) or more");
    }
}
