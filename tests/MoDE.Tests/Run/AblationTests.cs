using MoDE.Run;
using MoDE.Split;
using MoDE.Tests.Run;

namespace MoDE.Tests.Run;

public class AblationTests : IClassFixture<DejaVuFonts>
{
    [Fact]
    public void RunsEveryComparisonOnATinyConfigurationAndRewritesItsSection()
    {
        string root = Directory.CreateTempSubdirectory("mode-ablate").FullName;
        string output = Path.Combine(root, "results.md");
        File.WriteAllText(output, "# Results\n\nText written by hand stays.\n");
        var options = new AblationOptions
        {
            Root = root, Run = PipelineTests.Tiny, Experts = [2, 4], FineSweep = [16, 1024], Output = output, Command = "mode ablate --tiny",
        };
        try
        {
            Check(options, Ablation.Run(options, new StringWriter()));
        }
        finally
        {
            Directory.Delete(root, recursive: true); // about 200 MB of runs
        }
    }

    static void Check(AblationOptions options, List<Ablation.Outcome> outcomes)
    {
        string output = options.Output;

        // m = 1024 is skipped: 400 captions cannot fill it.
        Assert.Equal(["mode2-m8", "mode4-m8", "mode2-onestep", "mode4-onestep", "random2", "random4", "mode2-m16"], outcomes.Select(o => o.Variant.Name));
        Assert.All(outcomes, o => Assert.Contains(o.Results.Methods, m => m.Name == "MoDE (paper, coarse)"));
        // Shared models are the same bytes everywhere; each n has its own baseline.
        byte[] seed = File.ReadAllBytes(outcomes[0].Run.Model(RunModels.Seed));
        Assert.All(outcomes, o => Assert.Equal(seed, File.ReadAllBytes(o.Run.Model(RunModels.Seed))));
        Assert.Equal(File.ReadAllBytes(outcomes[0].Run.Model(RunModels.Baseline)), File.ReadAllBytes(outcomes[2].Run.Model(RunModels.Baseline)));
        Assert.NotEqual(File.ReadAllBytes(outcomes[0].Run.Model(RunModels.Baseline)), File.ReadAllBytes(outcomes[1].Run.Model(RunModels.Baseline)));
        // A random split gives each expert about half the captions.
        var sizes = MoDE.Split.ExpertData.Load(outcomes[4].Run).Select(e => e.Rows.Length).ToList();
        Assert.InRange(sizes[0], 180, 220);

        string text = File.ReadAllText(output);
        Assert.StartsWith("# Results\n\nText written by hand stays.", text);
        foreach (string claim in new[] { "(a) MoDE-2", "(a) MoDE-4", "(b) MoDE-4 over MoDE-2", "(c) MoDE-2", "(d) MoDE-4", "(e) MoDE-2", "(f) MoDE-2", "(g) MoDE-2" })
            Assert.Contains(claim, text);
        Assert.Contains("mode ablate --tiny", text);
        Assert.Contains($"mode cluster --run runs/{outcomes[0].Variant.Name} --fine 8 --experts 2 && mode split", text);

        // A second run skips finished work and replaces its section instead of adding another.
        var log = new StringWriter();
        Ablation.Run(options, log);
        Assert.Contains("eval: done already, skipped", log.ToString());
        string again = File.ReadAllText(output);
        Assert.Equal(1, again.Split(Ablation.Markers(options).Begin).Length - 1);
        Assert.StartsWith("# Results\n\nText written by hand stays.", again);
    }
}
