using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Storage;
using Xunit;
using static MoDE.Tests.FactWithMountNamespaceAttribute;

namespace MoDE.Tests.Data;

/// <summary>
/// A real full disk: <c>mode ingest</c> runs on a tmpfs too small for its shards, in a mount namespace of its own
/// (unshare(1) as an unprivileged root), ends with one line naming the folder and the bytes, keeps its whole shards, and,
/// once the tmpfs is grown, resumes to the bytes of an ingest on a roomy disk.
/// </summary>
public sealed class IngestDiskFullTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("mode-disk-full").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [FactWithMountNamespace]
    [Trait("Hostile", "class6")]
    public void AFullDiskEndsTheIngestWithOneLineAndTheRerunResumesToTheSameBytes()
    {
        var options = IngestResumeTests.Options(IngestResumeTests.WriteSource(folder)) with { HeldOut = 0 };
        var straight = new RunLayout(Path.Combine(folder, "straight"));
        IngestStage.Run(straight, options, TextWriter.Null);

        string disk = Directory.CreateDirectory(Path.Combine(folder, "disk")).FullName, output = Directory.CreateDirectory(Path.Combine(folder, "out")).FullName;
        string mode = string.Join(' ', new[] { Environment.ProcessPath!.EndsWith("dotnet") ? Environment.ProcessPath : "dotnet", Path.Combine(AppContext.BaseDirectory, "mode.dll"),
            "ingest", "--run", $"{disk}/run", "--source", options.Source, "--image-size", $"{options.ImageSize}", "--shard-bytes", $"{options.ShardBytes}", "--held-out", "0" }.Select(Quote));
        // 160 KiB hold the run's small files and a few shards of 19 KiB each; 16 MiB the whole ingest.
        string script = $"mount -t tmpfs -o size=160k tmpfs {Quote(disk)} || exit 90; {mode} > {Quote(output)}/first.txt 2>&1; echo $? > {Quote(output)}/first.rc; " +
                        $"mount -o remount,size=16m {Quote(disk)} || exit 91; {mode} > {Quote(output)}/second.txt 2>&1; echo $? > {Quote(output)}/second.rc; cp -r {Quote(disk)}/run {Quote(output)}/run";
        var (code, said) = RunAsRoot(script);
        Assert.True(code == 0, said);

        string first = File.ReadAllText(Path.Combine(output, "first.txt")).TrimEnd();
        Assert.True(File.ReadAllText(Path.Combine(output, "first.rc")).Trim() == "1", first);
        string last = first.Split('\n')[^1];
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(last, $@"^mode ingest: {System.Text.RegularExpressions.Regex.Escape(disk)}/run/pairs/\S+: disk full while writing [^:]+: needs (more than )?[\d,]+ bytes, [\d,]+ free$"), first);
        Assert.DoesNotContain("   at ", first);
        Assert.Contains("ingest: shard 00000.npy written", first); // a shard was whole before the disk filled

        string second = File.ReadAllText(Path.Combine(output, "second.txt"));
        Assert.True(File.ReadAllText(Path.Combine(output, "second.rc")).Trim() == "0", second);
        Assert.Matches(@"ingest: resuming at shard [1-9]\d*, \d+ pairs already written", second);
        var resumed = new RunLayout(Path.Combine(output, "run"));
        IngestResumeTests.AssertSameIngest(straight, resumed, heldOut: false);
    }

}
