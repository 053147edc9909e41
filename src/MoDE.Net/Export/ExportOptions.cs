using MoDE.Route;

namespace MoDE.Export;

/// <summary>Options of <c>mode export</c>.</summary>
public sealed record ExportOptions
{
    /// <summary>The export folder: new, empty, or an earlier export of the same run (whose files are replaced).</summary>
    public string To { get; init; } = "";

    /// <summary>The routing the router file names as its default (mode_clip.py's Router.route): the released code's
    /// formula by fine centers unless told otherwise. Every formula and both center sets stay usable.</summary>
    public RoutingOptions Routing { get; init; } = new();

    public ExportOptions Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(To, nameof(To));
        ArgumentNullException.ThrowIfNull(Routing, nameof(Routing));
        return this;
    }
}
