using MoDE.Data.Ingest;
using MoDE.Embed;
using MoDE.Storage;
using MoDE.Tests.Run;

namespace MoDE.Tests.Embed;

/// <summary>The embed stage killed after a chunk and rerun gives the same bytes as one straight run.</summary>
public class EmbedResumeTests : IClassFixture<DejaVuFonts>
{
    sealed class SimulatedCrash : Exception;

    [Fact]
    public void ResumeAfterACrashGivesByteIdenticalOutput()
    {
        var options = PipelineTests.Tiny.Embed with { ChunkSize = 64 };
        var straight = new RunLayout(Directory.CreateTempSubdirectory("mode-embed-straight").FullName);
        IngestStage.Run(straight, PipelineTests.Tiny.Data, new StringWriter());
        EmbedStage.Run(straight, options, new StringWriter());

        var run = new RunLayout(Directory.CreateTempSubdirectory("mode-embed-resume").FullName);
        IngestStage.Run(run, PipelineTests.Tiny.Data, new StringWriter());
        Assert.Throws<SimulatedCrash>(() => EmbedStage.Run(run, options, new StringWriter(), chunkWritten: c => { if (c == 2) throw new SimulatedCrash(); }));
        Assert.False(File.Exists(run.CaptionEmbeddings));
        var kept = Enumerable.Range(0, 3).Select(c => File.GetLastWriteTimeUtc(run.EmbedChunk(c))).ToList();
        File.WriteAllText(run.EmbedChunk(3) + ".1234.abc.tmp", "half a chunk"); // a write the kill cut short

        var computed = new List<int>();
        var log = new StringWriter();
        EmbedStage.Run(run, options, log, chunkWritten: computed.Add);
        Assert.DoesNotContain(0, computed);
        Assert.DoesNotContain(2, computed);
        Assert.Contains(3, computed);
        Assert.Equal(kept, Enumerable.Range(0, 3).Select(c => File.GetLastWriteTimeUtc(run.EmbedChunk(c))));
        Assert.Equal(File.ReadAllBytes(straight.CaptionEmbeddings), File.ReadAllBytes(run.CaptionEmbeddings));
        Assert.Equal(File.ReadAllBytes(straight.EmbeddedPairs), File.ReadAllBytes(run.EmbeddedPairs));
        var (_, rows, columns) = Npy.ReadMatrix(run.CaptionEmbeddings);
        Assert.Equal(Npy.ReadVector(run.EmbeddedPairs).Length, rows);
        Assert.Equal(384, columns);
    }

    [Fact]
    public void Float16StoresTheSameVectorsInHalfTheBytesAndBatchOptionsDoNotRedoWork()
    {
        var single = new RunLayout(Directory.CreateTempSubdirectory("mode-embed-f4").FullName);
        IngestStage.Run(single, PipelineTests.Tiny.Data, new StringWriter());
        EmbedStage.Run(single, PipelineTests.Tiny.Embed, new StringWriter());
        var half = new RunLayout(Directory.CreateTempSubdirectory("mode-embed-f2").FullName);
        IngestStage.Run(half, PipelineTests.Tiny.Data, new StringWriter());
        var options = PipelineTests.Tiny.Embed with { Precision = EmbeddingPrecision.Float16 };
        EmbedStage.Run(half, options, new StringWriter());

        Assert.Equal("<f2", Npy.ReadHeader(half.CaptionEmbeddings).Descr);
        var (f4, rows, dimension) = Npy.ReadMatrix(single.CaptionEmbeddings);
        var (f2, halfRows, _) = Npy.ReadMatrix(half.CaptionEmbeddings);
        Assert.Equal(rows, halfRows);
        Assert.True(new FileInfo(half.CaptionEmbeddings).Length < new FileInfo(single.CaptionEmbeddings).Length * 0.51);
        for (int i = 0; i < f4.Length; i++) Assert.True(Math.Abs(f4[i] - f2[i]) <= 1e-3f, $"value {i}: {f4[i]} stored as {f2[i]}");
        Assert.Equal(1.0, System.Numerics.Tensors.TensorPrimitives.Norm(f2.AsSpan(0, dimension)), 2);

        var log = new StringWriter();
        EmbedStage.Run(half, options with { BatchSize = 7, BatchTokens = 100 }, log); // batches change no vector
        Assert.Contains("done already", log.ToString());
    }
}
