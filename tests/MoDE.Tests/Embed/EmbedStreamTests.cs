using System.Text.Json;
using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Embed;
using MoDE.Storage;
using MoDE.Tests.Run;

namespace MoDE.Tests.Embed;

/// <summary>
/// The embed stage reads captions chunk by chunk from one forward reader: with many chunks, empty captions, chunks
/// left by a Slurm shard and by a killed run, it still writes what embedding all non-empty captions at once gives.
/// </summary>
public class EmbedStreamTests : IClassFixture<DejaVuFonts>
{
    sealed class SimulatedCrash : Exception;

    [Fact]
    public void StreamedChunksAroundShardAndKillLeftoversEqualEmbeddingAllCaptionsAtOnce()
    {
        var options = PipelineTests.Tiny.Embed with { ChunkSize = 16 };
        var run = new RunLayout(Directory.CreateTempSubdirectory("mode-embed-stream").FullName);
        IngestStage.Run(run, PipelineTests.Tiny.Data, new StringWriter());
        var pairs = PairStore.ReadCaptions(run.Pairs)
            .Select((p, i) => i % 9 == 4 ? p with { Caption = "" } : i % 13 == 6 ? p with { Caption = " \t " } : p).ToList();
        PairStore.SaveCaptions(pairs, run.Pairs);
        int[] rows = Enumerable.Range(0, pairs.Count).Where(i => !string.IsNullOrWhiteSpace(pairs[i].Caption)).ToArray();
        Assert.True(rows.Length / options.ChunkSize >= 15, "many chunks");

        EmbedStage.Run(run, options, new StringWriter(), shard: EmbedShard.Parse("2/4"));
        var crashed = new List<int>();
        Assert.Throws<SimulatedCrash>(() => EmbedStage.Run(run, options, new StringWriter(),
            chunkWritten: c => { crashed.Add(c); if (c == 5) throw new SimulatedCrash(); }));
        Assert.Equal([0, 1, 3, 4, 5], crashed); // chunk 2 was the shard's
        File.Delete(run.EmbedChunk(3)); // a hole between finished chunks
        var computed = new List<int>();
        EmbedStage.Run(run, options, new StringWriter(), chunkWritten: computed.Add);
        Assert.Equal(3, computed[0]);
        Assert.DoesNotContain(4, computed);
        Assert.DoesNotContain(6, computed);
        Assert.Contains(7, computed);

        using var encoder = CaptionEncoder.Open(options.Encoder, options.Threads);
        float[] expected = EmbedStage.Embed(encoder, rows.Select(r => pairs[r].Caption).ToList(), options.BatchSize, options.BatchTokens);
        var (actual, count, dim) = Npy.ReadMatrix(run.CaptionEmbeddings);
        Assert.Equal((rows.Length, encoder.Dimension), (count, dim));
        Assert.Equal(expected, actual);
        Assert.Equal(rows, Npy.ReadVector(run.EmbeddedPairs));
        var report = JsonSerializer.Deserialize<EmbedStage.Report>(File.ReadAllText(run.EmbedReport))!;
        Assert.Equal((pairs.Count, rows.Length, pairs.Count - rows.Length), (report.Pairs, report.Embedded, report.SkippedEmpty));
    }

    [Fact]
    public void StreamCaptionsReadsWhatReadCaptionsReadsAndNamesTheBadLine()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("mode-pairs-stream").FullName, "pairs.jsonl");
        File.WriteAllLines(path, ["{\"id\":\"a\",\"caption\":\"one\"}", "", "{\"id\":\"b\"}", "{\"id\":\"c\",\"caption\":\"three\"}", "not json"]);
        using var reader = PairStore.StreamCaptions(path).GetEnumerator();
        var read = new List<Pair>();
        for (int i = 0; i < 3; i++) { Assert.True(reader.MoveNext()); read.Add(reader.Current); }
        Assert.Equal(["one", "", "three"], read.Select(p => p.Caption));
        var error = Assert.Throws<InvalidDataException>(() => reader.MoveNext());
        Assert.StartsWith($"{path}:5: not a pair record", error.Message);
        Assert.StartsWith($"{path}:5:", Assert.Throws<InvalidDataException>(() => PairStore.ReadCaptions(path)).Message);
    }
}
