using System.CommandLine;
using MoDE.Cli.Flags;
using MoDE.Run;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode ablate</c>: the paper's comparisons, one run folder per variant.</summary>
public static class AblateVerb
{
    public static Command Create(CancellationToken stop, string commandLine)
    {
        var defaults = new AblationOptions();
        var root = new Option<string>("--root") { Description = "Folder of the base run and of one run per variant", DefaultValueFactory = _ => defaults.Root };
        var baseRun = new Option<string?>("--base") { Description = "A run with ingest and embed done (any corpus) to start from; default: the built-in dataset in ROOT/base" };
        var experts = new Option<int[]>("--experts-list") { Description = "Expert counts n compared", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => defaults.Experts };
        var fineSweep = new Option<int[]>("--fine-sweep") { Description = "Fine counts m swept for the first n", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => defaults.FineSweep };
        var output = new Option<string>("--out") { Description = "Markdown file whose ablation section is (re)written", DefaultValueFactory = _ => defaults.Output };
        var command = new Command("ablate",
            "The paper's comparisons (single model, MoDE-2/4, uniform, one-step clustering, coarse routing, random split, m sweep) into docs/results.md")
        {
            root, baseRun, experts, fineSweep, output, RunFlags.Seed, RunFlags.Threads,
        };
        StageFlags.Data.AddTo(command);
        StageFlags.Embed.AddTo(command);
        command.Options.Add(StageFlags.Fine.Option);
        RunFlags.AddTrain(command);
        StageFlags.TrainMachine.AddTo(command);
        RunFlags.ExcludeWith(command, baseRun, [.. StageFlags.Data.Flags.Select(f => f.Option), .. StageFlags.Embed.Flags.Select(f => f.Option)]);
        return command.WithAction((p, log) =>
        {
            var options = new AblationOptions
            {
                Root = p.GetValue(root)!, BaseRun = p.GetValue(baseRun), Run = RunFlags.Options(p), Experts = p.GetValue(experts)!,
                FineSweep = p.GetValue(fineSweep)!, Output = p.GetValue(output)!, Command = commandLine,
            };
            Ablation.Run(options, log, stop);
        }, [.. RunFlags.Names, new FlagName(nameof(AblationOptions.Experts), experts.Name),
            new FlagName(nameof(AblationOptions.FineSweep), fineSweep.Name)]);
    }
}
