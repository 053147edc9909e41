using System.CommandLine;
using System.CommandLine.Parsing;

namespace MoDE.Cli.Verbs;

/// <summary>The <c>--launcher</c> flag of the verbs that can run on Slurm.</summary>
public static class Launcher
{
    public const string Local = "local", Slurm = "slurm";

    public static Option<string> Create()
    {
        var option = new Option<string>("--launcher")
        {
            Description = "Where the stage runs: local (this process) or slurm (sbatch files in RUN/slurm/, submitted with sbatch)",
            DefaultValueFactory = _ => Local,
        };
        option.AcceptOnlyFromAmong(Local, Slurm);
        return option;
    }

    public static bool IsSlurm(CommandResult result, Option<string> launcher) => result.GetValue(launcher) == Slurm;
}
