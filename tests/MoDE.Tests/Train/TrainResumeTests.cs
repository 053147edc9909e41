using MoDE.Data;
using MoDE.Tokenizer;
using System.Diagnostics;
using System.Text.Json;
using MoDE.Model;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tests.Run;
using MoDE.Tests;
using MoDE.Train;
using Xunit.Abstractions;

namespace MoDE.Tests.Train;

/// <summary>
/// The train stage of a tiny run: the architecture chosen by name, and a <c>mode train</c> process killed with
/// SIGKILL after its first checkpoint that, rerun, ends with the same bytes as a run never interrupted.
/// </summary>
public class TrainResumeTests(ITestOutputHelper output) : IClassFixture<DejaVuFonts>
{
    /// <summary>The seed model alone, 60 steps with a checkpoint every 5, one libtorch thread so processes compute alike.</summary>
    static readonly TrainOptions Options = PipelineTests.Tiny.Train with { Steps = 120, SeedShare = 0.5, CheckpointEvery = 5, Threads = 1 };

    [Fact]
    public void TinyVitTrainsAVisionTransformer()
    {
        var run = SplitRun.Copy("mode-train-vit");
        try
        {
            TrainStage.Run(run, Options with { Steps = 4, CheckpointEvery = 10, Model = "tiny-vit" }, new StringWriter(), only: RunModels.Seed);
            using var state = TrainState.Load(run.Model(RunModels.Seed));
            Assert.Equal(ClipVisionConfig.Vit, state.Config.Vision.Kind);
            Assert.Equal(2, state.Step);
        }
        finally { Directory.Delete(run.Root, recursive: true); }
    }

    [Fact]
    public void AnUnknownModelNamesThePresets()
    {
        var run = SplitRun.Copy("mode-train-bad-model");
        try
        {
            var e = Assert.Throws<ArgumentException>(() => TrainStage.Run(run, Options with { Model = "ViT-Q-99" }, new StringWriter(), only: RunModels.Seed));
            Assert.Contains("ViT-Q-99", e.Message);
            Assert.Contains("tiny, tiny-vit, ViT-B-32, ViT-B-16, ViT-L-14", e.Message);
        }
        finally { Directory.Delete(run.Root, recursive: true); }
    }

    [Fact]
    [Trait("Hostile", "class6")]
    public void AModelOfAnotherContextLengthIsRefusedNamingBoth()
    {
        var run = SplitRun.Copy("mode-train-context");
        try
        {
            // A tokenizer left in the run for a model of 16 tokens (the stage takes the model's own length when it makes one).
            CaptionTokenizer.Build(PairStore.ReadCaptions(run.Pairs).Select(p => p.Caption), contextLength: 16).Save(run.Tokenizer);
            var e = Assert.Throws<ArgumentException>(() => TrainStage.Run(run, Options, new StringWriter(), only: RunModels.Seed));
            Assert.Contains("32 tokens per caption", e.Message);
            Assert.Contains("makes 16", e.Message);
        }
        finally { Directory.Delete(run.Root, recursive: true); }
    }

    [Fact]
    [Trait("Hostile", "class6")]
    public async Task KilledTrainProcessResumesToTheSameBytes()
    {
        var straight = SplitRun.Copy("mode-train-straight");
        var killed = SplitRun.Copy("mode-train-killed");
        try
        {
            TrainStage.Run(straight, Options, new StringWriter(), only: RunModels.Seed);

            string optionsFile = Path.Combine(killed.Root, "train-options.json");
            File.WriteAllText(optionsFile, JsonSerializer.Serialize(Options));
            var clock = Stopwatch.StartNew();
            using (var first = Mode(killed, optionsFile))
            {
                first.OutputDataReceived += (_, _) => { }; // keep the pipes drained
                first.ErrorDataReceived += (_, _) => { };
                first.BeginOutputReadLine();
                first.BeginErrorReadLine();
                string unfinished = killed.UnfinishedModel(RunModels.Seed);
                while (!File.Exists(unfinished) && !first.HasExited) Thread.Sleep(5);
                Assert.False(first.HasExited, "the first process finished before its first checkpoint; give it more steps");
                first.Kill(); // SIGKILL: no checkpoint on the way out
                first.WaitForExit();
                output.WriteLine($"killed after {clock.Elapsed.TotalSeconds:F1} s; unfinished state at step {PeekStep(unfinished)}");
            }
            Assert.False(File.Exists(killed.Model(RunModels.Seed)));
            using (var second = Mode(killed, optionsFile))
            {
                var errors = second.StandardError.ReadToEndAsync();
                string log = second.StandardOutput.ReadToEnd();
                second.WaitForExit();
                log += await errors;
                Assert.True(second.ExitCode == 0, log);
                Assert.Contains("resuming at step", log);
            }
            output.WriteLine($"both processes: {clock.Elapsed.TotalSeconds:F1} s");
            Assert.Equal(File.ReadAllBytes(straight.Model(RunModels.Seed)), File.ReadAllBytes(killed.Model(RunModels.Seed)));
            Assert.False(File.Exists(killed.UnfinishedModel(RunModels.Seed)));
        }
        finally
        {
            Directory.Delete(straight.Root, recursive: true);
            Directory.Delete(killed.Root, recursive: true);
        }
    }

    static int PeekStep(string path)
    {
        try { using var state = TrainState.Load(path); return state.Step; }
        catch (IOException) { return -1; }
    }

    /// <summary><c>mode train --only seed</c> on <paramref name="run"/> with the CLI built beside the tests.</summary>
    static Process Mode(RunLayout run, string optionsFile)
    {
        string dotnet = Environment.ProcessPath!.EndsWith("dotnet") ? Environment.ProcessPath : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "mode.dll"), "train", "--run", run.Root,
                     "--train-options", optionsFile, "--threads", "1", "--only", RunModels.Seed })
            start.ArgumentList.Add(arg);
        return Process.Start(start) ?? throw new InvalidOperationException("mode did not start");
    }
}
