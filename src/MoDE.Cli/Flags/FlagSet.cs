using System.CommandLine;

namespace MoDE.Cli.Flags;

/// <summary>The flags of one options record, as a command declares them.</summary>
public sealed class FlagSet<TOptions>(params IFlag<TOptions>[] flags) : IFlagNames
{
    public IReadOnlyList<IFlag<TOptions>> Flags { get; } = flags;

    public void AddTo(Command command)
    {
        foreach (var flag in Flags) command.Options.Add(flag.Option);
    }

    /// <summary>The record with every flag the user typed applied.</summary>
    public TOptions Apply(ParseResult parse, TOptions options) => Flags.Aggregate(options, (o, flag) => flag.Apply(parse, o));

    /// <summary>The flags of this set that the user typed.</summary>
    public IEnumerable<string> Given(ParseResult parse) => Flags.Where(f => f.Given(parse)).Select(f => f.Option.Name);

    public string? FlagOf(string property) => Flags.FirstOrDefault(f => f.Property == property)?.Option.Name;
}

/// <summary>Maps an options record's property to the flag that sets it, for error messages.</summary>
public interface IFlagNames
{
    string? FlagOf(string property);
}

/// <summary>A flag that is not bound to a record: the parameter name its errors carry, and the flag.</summary>
public sealed record FlagName(string Property, string Flag) : IFlagNames
{
    public string? FlagOf(string property) => property == Property ? Flag : null;
}
