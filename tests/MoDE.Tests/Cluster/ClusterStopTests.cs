using System.Diagnostics;
using MoDE.Data.Ingest;
using MoDE.Data.Synthetic;
using MoDE.Embed;
using MoDE.Storage;
using Xunit.Abstractions;

namespace MoDE.Tests.Cluster;

/// <summary>
/// SIGTERM sent to a real <c>mode cluster</c> while its k-means iterates: it stops at the next iteration with the stop
/// exit code, saves no half clustering, and the rerun writes the centers and assignments of a fit never interrupted.
/// </summary>
public sealed class ClusterStopTests(ITestOutputHelper output) : IClassFixture<DejaVuFonts>, IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("mode-cluster-stop").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>
    /// A run up to its embed stage whose captions are random unit vectors: 40,000 of 64 dimensions, which k-means with
    /// m = 256 takes seconds to fit, so the signal lands inside the fit. The pairs are a small built-in set, each vector
    /// standing for pair (row mod pairs).
    /// </summary>
    RunLayout Prepare(string name)
    {
        var run = new RunLayout(Path.Combine(folder, name));
        IngestStage.Run(run, new SyntheticWebOptions { Pairs = 200, ImageSize = 8, EvalImagesPerClass = 1 }, TextWriter.Null);
        const int rows = 40_000, dimension = 64;
        var random = new Random(11);
        var vectors = new float[rows * dimension];
        for (int i = 0; i < rows; i++)
        {
            var v = vectors.AsSpan(i * dimension, dimension);
            for (int j = 0; j < dimension; j++) v[j] = (float)(random.NextDouble() * 2 - 1);
            System.Numerics.Tensors.TensorPrimitives.Divide(v, System.Numerics.Tensors.TensorPrimitives.Norm(v), v);
        }
        Npy.Write(run.CaptionEmbeddings, vectors, rows, dimension);
        Npy.Write(run.EmbeddedPairs, Enumerable.Range(0, rows).Select(i => i % 200).ToArray());
        StageMarker.MarkDone(run, "embed", new EmbedOptions());
        return run;
    }

    static readonly string[] ClusterFlags = ["--fine", "256", "--experts", "4"];

    [Fact]
    [Trait("Hostile", "class7")]
    public void SigtermDuringKMeansStopsPromptlyAndTheRerunWritesTheUninterruptedClusters()
    {
        var straight = Prepare("straight");
        var clock = Stopwatch.StartNew();
        var whole = ChildProcess.RunMode(["cluster", "--run", straight.Root, .. ClusterFlags]);
        Assert.True(whole.ExitCode == 0, whole.Output);
        output.WriteLine($"uninterrupted cluster: {clock.Elapsed.TotalSeconds:F1} s");

        var run = Prepare("stopped");
        using (var first = ChildProcess.StartMode(["cluster", "--run", run.Root, .. ClusterFlags]))
        {
            Assert.True(first.WaitUntil(() => first.Output.Contains("fine ->")), $"mode ended before it began k-means:\n{first.Output}");
            clock.Restart();
            first.Terminate();
            int? code = first.WaitForExit(TimeSpan.FromSeconds(30));
            output.WriteLine($"stopped {clock.Elapsed.TotalSeconds:F2} s after SIGTERM");
            Assert.True(code is not null, $"mode cluster was still running 30 s after SIGTERM:\n{first.Output}");
            Assert.True(code == 130, $"exit code {code}:\n{first.Output}");
            Assert.EndsWith("mode cluster: stopped; run the same command again to resume", first.Output.TrimEnd());
            Assert.DoesNotContain("   at ", first.Output);
        }
        Assert.False(File.Exists(run.Done("cluster")));
        Assert.False(File.Exists(run.FineCenters));

        var again = ChildProcess.RunMode(["cluster", "--run", run.Root, .. ClusterFlags]);
        Assert.True(again.ExitCode == 0, again.Output);
        foreach (var (a, b) in new[] { (straight.FineCenters, run.FineCenters), (straight.CoarseCenters, run.CoarseCenters),
                     (straight.FineAssignment, run.FineAssignment), (straight.FineToCoarse, run.FineToCoarse), (straight.Done("cluster"), run.Done("cluster")) })
            Assert.True(File.ReadAllBytes(a).AsSpan().SequenceEqual(File.ReadAllBytes(b)), $"{Path.GetFileName(a)} differs");
    }
}
