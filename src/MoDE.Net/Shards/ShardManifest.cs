using System.Text.Json;
using MoDE.Storage;

namespace MoDE.Shards;

/// <summary>
/// <c>manifest.json</c> of one shard set: what open_clip's <c>--train-data</c> (<see cref="TrainData"/>, the shards in its brace
/// notation) and <c>--train-num-samples</c> (<see cref="Samples"/>, every sample of the set once) take as they are, and what the
/// samples are: how a key maps to a pair (<see cref="Keys"/>), where the images come from (<see cref="Images"/>), and, for a data
/// expert, the training passes whose out-of-cluster draws it holds.
/// </summary>
public sealed record ShardManifest
{
    public required string Set { get; init; }
    public required string TrainData { get; init; }
    public required long Samples { get; init; }
    public required IReadOnlyList<int> ShardSamples { get; init; }
    public required long Bytes { get; init; }
    public required string Images { get; init; }
    public required string Keys { get; init; }
    /// <summary>The models that train on this set (seed, single and baseline on all data; an expert on its own).</summary>
    public required IReadOnlyList<string> Models { get; init; }
    public required int PairsPerPass { get; init; }
    public required int OutOfClusterPerPass { get; init; }
    /// <summary>The training passes this set holds, each whole (empty for the all-data set, which holds each pair once).</summary>
    public required IReadOnlyList<int> Passes { get; init; }
    /// <summary>The options the samples follow: the shard order's seed, and the schedule whose passes an expert's set holds.</summary>
    public required int Seed { get; init; }
    public required int TrainSeed { get; init; }
    public required int Steps { get; init; }
    public required int SeedSteps { get; init; }
    public required int BatchSize { get; init; }

    public const string FileName = "manifest.json";

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // the manifest is read by people too: quotes as they are
    };

    /// <summary>The manifest of the set in <paramref name="folder"/>.</summary>
    public static ShardManifest Load(string folder) => JsonFile.Read<ShardManifest>(Path.Combine(folder, FileName), Json);

    public void Save(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>open_clip's brace notation of <paramref name="shards"/> shards named NNNNN.tar in <paramref name="folder"/>.</summary>
    public static string BraceList(string folder, int shards) => Path.Combine(Path.GetFullPath(folder), $"{{{0:D5}..{shards - 1:D5}}}.tar");

    /// <summary>The file name of shard <paramref name="index"/>.</summary>
    public static string ShardName(int index) => $"{index:D5}.tar";
}
