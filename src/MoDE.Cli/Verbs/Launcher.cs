using System.CommandLine;
using System.CommandLine.Parsing;

namespace MoDE.Cli.Verbs;

/// <summary>The <c>--launcher</c> flag of the verbs that can run on Slurm.</summary>
public static class Launcher
{
    public const string Local = "local", Slurm = "slurm", OpenClip = "open_clip";

    public static Option<string> Create(bool openClip = false)
    {
        var option = new Option<string>("--launcher")
        {
            Description = "Where the stage runs: local (this process) or slurm (sbatch files in RUN/slurm/, submitted with sbatch); train also open_clip (sbatch files running open_clip_train in RUN/open_clip/)",
            DefaultValueFactory = _ => Local,
        };
        option.AcceptOnlyFromAmong(openClip ? [Local, Slurm, OpenClip] : [Local, Slurm]);
        return option;
    }

    /// <summary>A launcher that writes sbatch files: slurm or open_clip.</summary>
    public static bool UsesSlurm(CommandResult result, Option<string> launcher) => result.GetValue(launcher) is Slurm or OpenClip;
}
