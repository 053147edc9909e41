using System.CommandLine;

namespace MoDE.Cli.Flags;

/// <summary>
/// One command-line option bound to one field of an options record: its default is read from the record (and shown
/// by <c>--help</c> from there), and it changes the record only when the user typed it, so an options file or another
/// flag is never overwritten by a default.
/// </summary>
public interface IFlag<TOptions>
{
    Option Option { get; }

    /// <summary>The record's property, so a validation error naming it can name the flag instead.</summary>
    string Property { get; }

    /// <summary>True when the user typed the flag.</summary>
    bool Given(ParseResult parse);

    TOptions Apply(ParseResult parse, TOptions options);
}

public sealed class Flag<TOptions, TValue> : IFlag<TOptions> where TOptions : new()
{
    readonly Option<TValue> option;
    readonly Func<TOptions, TValue, TOptions> set;

    /// <param name="get">The record's field; its value on a default record is the flag's default.</param>
    /// <param name="set">The record with the field replaced.</param>
    public Flag(string name, string description, string property, Func<TOptions, TValue> get, Func<TOptions, TValue, TOptions> set, params string[] aliases)
    {
        var defaults = get(new TOptions());
        option = new Option<TValue>(name, aliases) { Description = description, DefaultValueFactory = _ => defaults };
        Property = property;
        this.set = set;
    }

    public Option Option => option;
    public Option<TValue> Typed => option;
    public string Property { get; }

    public bool Given(ParseResult parse) => parse.GetResult(option) is { Implicit: false };

    public TOptions Apply(ParseResult parse, TOptions options) => Given(parse) ? set(options, parse.GetValue(option)!) : options;
}
