namespace MoDE.Shards;

/// <summary>
/// How <c>mode shards</c> writes a run's training data as WebDataset shards (<see cref="RunShards"/>): where, how large a shard
/// may grow, and the seed of the sample order. A shard is cut before the sample that would take it over either limit; a single
/// sample larger than <see cref="ShardBytes"/> is written alone.
/// </summary>
public sealed record ShardOptions
{
    /// <summary>Output folder: one subfolder of shards per shard set (<c>all</c>, <c>expert_i</c>) with its manifest.</summary>
    public string To { get; init; } = "";

    /// <summary>Most bytes of one .tar shard: 1 GiB, within webdataset's advice of shards from 100 MB to a few GB (large enough
    /// for sequential reads, small enough to spread over many loader workers).</summary>
    public long ShardBytes { get; init; } = 1L << 30;

    /// <summary>Most samples of one shard: 10,000, img2dataset's default <c>number_sample_per_shard</c>.</summary>
    public int ShardSamples { get; init; } = 10_000;

    /// <summary>Seeds the shuffled sample order of every shard set (each set mixes in its own index).</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>Smallest <see cref="ShardBytes"/>: the 1,024 bytes of the tar trailer and one 512-byte member header.</summary>
    public const long MinShardBytes = 1536;

    /// <summary>Throws, naming the property, when a field is out of range or <see cref="To"/> cannot stand in open_clip's
    /// <c>--train-data</c> (braces are its shard-list notation, <c>::</c> separates its data sources).</summary>
    public ShardOptions Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(To, nameof(To));
        ArgumentOutOfRangeException.ThrowIfLessThan(ShardBytes, MinShardBytes, nameof(ShardBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(ShardSamples, 1, nameof(ShardSamples));
        string full = Path.GetFullPath(To);
        if (full.IndexOfAny(['{', '}']) >= 0 || full.Contains("::", StringComparison.Ordinal))
            throw new ArgumentException($"{full}: a shard folder's path may not hold '{{', '}}' or '::', which open_clip's --train-data reads as its shard list and source separator", nameof(To));
        if (full.AsSpan().IndexOfAnyInRange('\u0000', '\u001f') >= 0)
            throw new ArgumentException($"{full.ReplaceLineEndings("\\n")}: a shard folder's path may not hold a control character, as it goes into sbatch files", nameof(To));
        return this;
    }
}
