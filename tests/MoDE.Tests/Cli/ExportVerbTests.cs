using MoDE.Cli;
using MoDE.Export;
using MoDE.Split;
using MoDE.Storage;
using Xunit.Abstractions;

namespace MoDE.Tests.Cli;

/// <summary><c>mode export</c> on the command line: the export of the tiny trained run, its flags, and the refusals
/// (one line naming the file or model, exit code 1 or 2, nothing written where it refuses).</summary>
[Collection(TinyRunCollection.Name)]
public sealed class ExportVerbTests(TinyRun tiny, ITestOutputHelper output) : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("mode-export-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static InProcessMode Mode(params string[] args) => InProcessMode.Run(args);

    void OneLine(InProcessMode outcome, string mustName)
    {
        output.WriteLine(outcome.Error);
        Assert.Single(outcome.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(mustName, outcome.Error);
        Assert.DoesNotContain("   at ", outcome.Error);
        Assert.StartsWith("mode export: ", outcome.Error);
    }

    /// <summary>A copy of the tiny run that a test may damage.</summary>
    RunLayout CopyOfRun()
    {
        string to = Path.Combine(folder, "run");
        foreach (string file in Directory.GetFiles(tiny.Run.Root, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(tiny.Run.Root, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return new RunLayout(to);
    }

    [Fact]
    public void Exports_the_run_and_names_the_default_routing()
    {
        string to = Path.Combine(folder, "export");
        var outcome = Mode("export", "--run", tiny.Run.Root, "--to", to, "--routing", "paper,coarse");
        output.WriteLine(outcome.Output);
        Assert.True(outcome.Code == 0, outcome.Error);
        Assert.Contains($"export: 5/5 {RunModels.Baseline}", outcome.Output);
        var router = Router(to);
        Assert.Equal("paper", router["routing"]!["default"]!["formula"]!.GetValue<string>());
        Assert.Equal("coarse", router["routing"]!["default"]!["centers"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(to, ExportReadme.FileName)));
    }

    static System.Text.Json.Nodes.JsonNode Router(string to) =>
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(to, RouterFile.FileName)))!;

    [Fact]
    public void Help_lists_the_flags_and_a_missing_or_bad_flag_is_one_line()
    {
        var help = Mode("export", "--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("--to", help.Output);
        Assert.Contains("--routing", help.Output);
        Assert.Contains("--run", help.Output);

        var missing = Mode("export", "--run", tiny.Run.Root);
        Assert.Equal(Verb.BadFlag, missing.Code);
        Assert.Contains("--to", missing.Error);

        string to = Path.Combine(folder, "export");
        var bad = Mode("export", "--run", tiny.Run.Root, "--to", to, "--routing", "sideways");
        Assert.Equal(Verb.BadFlag, bad.Code);
        OneLine(bad, "--routing");
        Assert.Contains("sideways", bad.Error);
        Assert.False(Directory.Exists(to));
    }

    [Fact]
    [Trait("Hostile", "class10")]
    public void An_unfinished_run_is_refused_naming_the_model_and_the_stage()
    {
        var run = CopyOfRun();
        File.Delete(run.Model(RunModels.Expert(1)));
        string to = Path.Combine(folder, "export");
        var outcome = Mode("export", "--run", run.Root, "--to", to);
        Assert.Equal(Verb.Failed, outcome.Code);
        OneLine(outcome, "model expert_1 is unfinished");
        Assert.Contains("mode train --run", outcome.Error);
        Assert.False(Directory.Exists(to));
    }

    [Fact]
    [Trait("Hostile", "class10")]
    public void A_to_that_is_a_file_is_refused()
    {
        string to = Path.Combine(folder, "export.txt");
        File.WriteAllText(to, "keep me");
        var outcome = Mode("export", "--run", tiny.Run.Root, "--to", to);
        Assert.Equal(Verb.Failed, outcome.Code);
        OneLine(outcome, to);
        Assert.Equal("keep me", File.ReadAllText(to));
    }

    [Theory]
    [InlineData("notes.txt", "hello")]
    [InlineData(RouterFile.FileName, "{\"format_version\": 1, \"run\": \"/somewhere/else\"}")]
    [InlineData(RouterFile.FileName, "{ not json")]
    [Trait("Hostile", "class10")]
    public void A_non_empty_folder_that_is_not_an_export_of_this_run_is_refused(string file, string text)
    {
        string to = Path.Combine(folder, "export");
        Directory.CreateDirectory(to);
        File.WriteAllText(Path.Combine(to, file), text);
        var outcome = Mode("export", "--run", tiny.Run.Root, "--to", to);
        Assert.Equal(Verb.Failed, outcome.Code);
        OneLine(outcome, to);
        Assert.Equal([file], Directory.GetFileSystemEntries(to).Select(Path.GetFileName));
        Assert.Equal(text, File.ReadAllText(Path.Combine(to, file)));
    }

    [Fact]
    [Trait("Hostile", "class10")]
    public void A_checkpoint_damaged_after_training_is_refused_naming_it()
    {
        var run = CopyOfRun();
        string damaged = run.Model(RunModels.Expert(0));
        using (var stream = File.Open(damaged, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = stream.Length / 2;
            int b = stream.ReadByte();
            stream.Position--;
            stream.WriteByte((byte)(b ^ 0x40));
        }
        string to = Path.Combine(folder, "export");
        var outcome = Mode("export", "--run", run.Root, "--to", to);
        Assert.Equal(Verb.Failed, outcome.Code);
        OneLine(outcome, damaged);
        Assert.False(File.Exists(Path.Combine(to, ExportReadme.FileName))); // not a complete export
        Assert.False(File.Exists(Path.Combine(to, RunModels.Expert(0), "open_clip_model.safetensors")));
        Assert.Empty(Directory.GetFiles(to, "*.tmp", SearchOption.AllDirectories));
    }
}
