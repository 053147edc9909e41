using System.CommandLine;
using MoDE.Cli;

namespace MoDE.Tests.Cli;

/// <summary>What one <c>mode</c> command run in this process returned: its exit code, standard output and standard error.</summary>
public sealed record InProcessMode(int Code, string Output, string Error)
{
    /// <summary>Parses and runs <paramref name="args"/> as the <c>mode</c> command does, capturing what it writes.</summary>
    public static InProcessMode Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = ModeCli.Invoke(args, CancellationToken.None, new InvocationConfiguration { Output = output, Error = error });
        return new InProcessMode(code, output.ToString(), error.ToString());
    }
}
