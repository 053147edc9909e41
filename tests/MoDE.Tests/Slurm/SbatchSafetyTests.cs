using MoDE.Slurm;
using MoDE.Storage;
using MoDE.Tests.Run;

namespace MoDE.Tests.Slurm;

/// <summary>
/// Values that would break an sbatch file are refused before anything is written, and <c>#SBATCH</c> values with
/// spaces or shell characters are quoted so sbatch reads each back as one argument. No Slurm is needed: the launchers
/// refuse before they submit.
/// </summary>
public class SbatchSafetyTests
{
    static SbatchScript Script(string log = "/runs/a/slurm/logs/x_%j.out") => new()
    {
        JobName = "mode-test", Purpose = "test", Log = log, Command = "mode train --run /runs/a",
    };

    [Fact]
    [Trait("Hostile", "class8")]
    public void ARunDirectoryWithANewlineIsRefusedAndNoSbatchFileIsWritten()
    {
        string parent = Directory.CreateTempSubdirectory("mode-sbatch").FullName;
        try
        {
            var run = new RunLayout(Path.Combine(parent, "run\n#SBATCH --wrap=evil"));
            Directory.CreateDirectory(run.Root);
            var train = Assert.Throws<ArgumentException>(() => SlurmTrainLauncher.Submit(run, PipelineTests.Tiny.Train, new SlurmOptions(), new StringWriter()));
            Assert.Equal("run", train.ParamName);
            Assert.Contains("run directory", train.Message);
            var embed = Assert.Throws<ArgumentException>(() =>
                SlurmEmbedLauncher.Submit(run, PipelineTests.Tiny.Embed, PipelineTests.Tiny.Cluster, new SlurmOptions(), 2, new StringWriter()));
            Assert.Equal("run", embed.ParamName);
            Assert.False(Directory.Exists(Path.Combine(run.Root, "slurm")));
            Assert.Empty(Directory.GetFiles(parent, "*", SearchOption.AllDirectories));
        }
        finally { Directory.Delete(parent, recursive: true); }
    }

    [Fact]
    [Trait("Hostile", "class8")]
    public void APartitionWithANewlineIsRefusedAndNoSbatchFileIsWritten()
    {
        var run = new RunLayout(Directory.CreateTempSubdirectory("mode-sbatch").FullName);
        try
        {
            var slurm = new SlurmOptions { Partition = "debug\nrm -rf ~" };
            Assert.Equal(nameof(SlurmOptions.Partition), Assert.Throws<ArgumentException>(slurm.Validate).ParamName);
            Assert.Equal(nameof(SlurmOptions.Partition),
                Assert.Throws<ArgumentException>(() => SlurmTrainLauncher.Submit(run, PipelineTests.Tiny.Train, slurm, new StringWriter())).ParamName);
            Assert.Equal(nameof(SlurmOptions.Partition), Assert.Throws<ArgumentException>(() =>
                SlurmEmbedLauncher.Submit(run, PipelineTests.Tiny.Embed, PipelineTests.Tiny.Cluster, slurm, 2, new StringWriter())).ParamName);
            Assert.Empty(Directory.GetFileSystemEntries(run.Root));

            string path = Path.Combine(run.Root, "x.sbatch");
            Assert.Throws<ArgumentException>(() => Script().Write(path, slurm));
            Assert.False(File.Exists(path));
        }
        finally { Directory.Delete(run.Root, recursive: true); }
    }

    [Theory]
    [InlineData(nameof(SlurmOptions.Time), "\r")]
    [InlineData(nameof(SlurmOptions.Memory), "\t")]
    [InlineData(nameof(SlurmOptions.Account), "\u007f")]
    [InlineData(nameof(SlurmOptions.Mode), "\n")]
    [InlineData(nameof(SlurmOptions.ExtraFlags), "\0")]
    [Trait("Hostile", "class8")]
    public void EveryTextOptionRefusesControlCharacters(string option, string control)
    {
        string value = "a" + control + "b";
        var slurm = option switch
        {
            nameof(SlurmOptions.Time) => new SlurmOptions { Time = value },
            nameof(SlurmOptions.Memory) => new SlurmOptions { Memory = value },
            nameof(SlurmOptions.Account) => new SlurmOptions { Account = value },
            nameof(SlurmOptions.Mode) => new SlurmOptions { Mode = value },
            _ => new SlurmOptions { ExtraFlags = ["--qos=high", value] },
        };
        Assert.Equal(option, Assert.Throws<ArgumentException>(slurm.Validate).ParamName);
    }

    [Fact]
    [Trait("Hostile", "class8")]
    public void ScriptValuesWithControlCharactersAreRefused()
    {
        Assert.Equal(nameof(SbatchScript.Log), Assert.Throws<ArgumentException>(() => Script("/runs/a\nb/x_%j.out").Render(new SlurmOptions())).ParamName);
        Assert.Equal(nameof(SbatchScript.Command), Assert.Throws<ArgumentException>(() => (Script() with { Command = "mode\nrm" }).Render(new SlurmOptions())).ParamName);
    }

    [Fact]
    [Trait("Hostile", "class8")]
    public void SbatchValuesWithSpacesOrShellCharactersAreQuotedAsOneArgument()
    {
        var slurm = new SlurmOptions
        {
            Partition = "gpu a100", Time = "04:00:00", Memory = "8G", Account = "lab\"x\\y",
            ExtraFlags = ["--qos=high", "--comment=a b # c; $(id)"],
        };
        string text = Script("/runs/my run/x_%j.out").Render(slurm);
        string[] lines = text.Split('\n');
        Assert.Contains("#SBATCH --partition=\"gpu a100\"", lines);
        Assert.Contains("#SBATCH --time=04:00:00", lines);
        Assert.Contains("#SBATCH --mem=8G", lines);
        Assert.Contains("#SBATCH --account=\"lab\\\"x\\\\y\"", lines);
        Assert.Contains("#SBATCH --qos=high", lines);
        Assert.Contains("#SBATCH \"--comment=a b # c; $(id)\"", lines);
        Assert.Contains("#SBATCH --output=\"/runs/my run/x_%j.out\"", lines);
        Assert.Contains("#SBATCH --requeue", lines);
        // every #SBATCH line reads back, the way sbatch splits it, as the flag and its exact value in one argument
        Assert.Equal(["--partition=gpu a100"], SbatchArguments("#SBATCH --partition=\"gpu a100\""));
        Assert.Equal(["--account=lab\"x\\y"], SbatchArguments(lines.Single(l => l.StartsWith("#SBATCH --account"))));
        Assert.Equal(["--comment=a b # c; $(id)"], SbatchArguments(lines.Single(l => l.Contains("--comment"))));
    }

    /// <summary>The arguments sbatch takes from one <c>#SBATCH</c> line: split at white space, quotes (single or double)
    /// group and are dropped, a backslash escapes the next character, an unquoted <c>#</c> ends the line.</summary>
    static List<string> SbatchArguments(string line)
    {
        var arguments = new List<string>();
        var current = new System.Text.StringBuilder();
        bool any = false, escape = false;
        char quote = '\0';
        foreach (char c in line["#SBATCH".Length..])
        {
            if (escape) { current.Append(c); escape = false; any = true; continue; }
            if (c == '\\') { escape = true; continue; }
            if (quote != '\0') { if (c == quote) quote = '\0'; else current.Append(c); continue; }
            if (c is '"' or '\'') { quote = c; any = true; continue; }
            if (c == '#') break;
            if (char.IsWhiteSpace(c)) { if (any) arguments.Add(current.ToString()); current.Clear(); any = false; continue; }
            current.Append(c);
            any = true;
        }
        if (any) arguments.Add(current.ToString());
        return arguments;
    }
}
