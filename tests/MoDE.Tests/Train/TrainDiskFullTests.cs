using System.Text.Json;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tests.Run;
using MoDE.Train;
using Xunit;
using static MoDE.Tests.FactWithMountNamespaceAttribute;

namespace MoDE.Tests.Train;

/// <summary>
/// A real full disk during training: <c>mode train</c> on a tmpfs with room for one checkpoint but not for the next (the
/// next is written beside the last, then renamed over it) ends with one line naming the checkpoint and the bytes, keeps the
/// last checkpoint whole, and, once the tmpfs is grown, resumes from it to the bytes of a run never stopped.
/// </summary>
public sealed class TrainDiskFullTests : IClassFixture<DejaVuFonts>
{
    /// <summary>The seed model alone, 20 steps with a checkpoint every 5, one libtorch thread so processes compute alike.</summary>
    static readonly TrainOptions Options = PipelineTests.Tiny.Train with { Steps = 40, SeedShare = 0.5, CheckpointEvery = 5, Threads = 1 };

    [FactWithMountNamespace]
    [Trait("Hostile", "class6")]
    public void AFullDiskEndsTrainingWithOneLineAndTheRerunResumesFromTheLastCheckpoint()
    {
        var straight = SplitRun.Copy("mode-train-disk-straight");
        var prepared = SplitRun.Copy("mode-train-disk-full");
        string folder = Directory.CreateTempSubdirectory("mode-train-disk").FullName;
        try
        {
            TrainStage.Run(straight, Options, new StringWriter(), only: RunModels.Seed);
            long checkpoint = new FileInfo(straight.Model(RunModels.Seed)).Length;
            string optionsFile = Path.Combine(folder, "train-options.json");
            File.WriteAllText(optionsFile, JsonSerializer.Serialize(Options));
            // The run's files in whole pages, the tokenizer, logs and locks the stage writes, and one and a half checkpoints.
            long pages = Directory.GetFiles(prepared.Root, "*", SearchOption.AllDirectories).Sum(f => (new FileInfo(f).Length + 4095) / 4096);
            long size = (pages + 64) * 4096 + checkpoint * 3 / 2;

            string disk = Directory.CreateDirectory(Path.Combine(folder, "disk")).FullName, output = Directory.CreateDirectory(Path.Combine(folder, "out")).FullName;
            string run = Path.Combine(disk, "run");
            string mode = string.Join(' ', new[] { Environment.ProcessPath!.EndsWith("dotnet") ? Environment.ProcessPath : "dotnet", Path.Combine(AppContext.BaseDirectory, "mode.dll"),
                "train", "--run", run, "--train-options", optionsFile, "--threads", "1", "--only", RunModels.Seed }.Select(Quote));
            string script = $"mount -t tmpfs -o size={size} tmpfs {Quote(disk)} || exit 90; cp -r {Quote(prepared.Root)} {Quote(run)} || exit 92; " +
                            $"{mode} > {Quote(output)}/first.txt 2>&1; echo $? > {Quote(output)}/first.rc; " +
                            $"mount -o remount,size={size + 4 * checkpoint} {Quote(disk)} || exit 91; {mode} > {Quote(output)}/second.txt 2>&1; echo $? > {Quote(output)}/second.rc; " +
                            $"cp {Quote(new RunLayout(run).Model(RunModels.Seed))} {Quote(output)}/model";
            var (code, said) = RunAsRoot(script);
            Assert.True(code == 0, said);

            string first = File.ReadAllText(Path.Combine(output, "first.txt")).TrimEnd();
            Assert.True(File.ReadAllText(Path.Combine(output, "first.rc")).Trim() == "1", first);
            string unfinished = new RunLayout(run).UnfinishedModel(RunModels.Seed);
            Assert.Matches($@"^mode train: {System.Text.RegularExpressions.Regex.Escape(unfinished)}: disk full while writing {System.Text.RegularExpressions.Regex.Escape(Path.GetFileName(unfinished))}: needs (more than )?[\d,]+ bytes, [\d,]+ free$",
                first.Split('\n')[^1]);
            Assert.DoesNotContain("   at ", first);

            string second = File.ReadAllText(Path.Combine(output, "second.txt"));
            Assert.True(File.ReadAllText(Path.Combine(output, "second.rc")).Trim() == "0", second);
            Assert.Contains($"train {RunModels.Seed}: resuming at step 5", second);
            Assert.Equal(File.ReadAllBytes(straight.Model(RunModels.Seed)), File.ReadAllBytes(Path.Combine(output, "model")));
        }
        finally
        {
            Directory.Delete(straight.Root, recursive: true);
            Directory.Delete(prepared.Root, recursive: true);
            Directory.Delete(folder, recursive: true);
        }
    }
}
