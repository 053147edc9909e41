using MoDE.Storage;
using Xunit.Abstractions;

namespace MoDE.Tests.Architecture;

/// <summary>
/// The library's folders are layers: storage at the bottom, the model and the tokenizer, the stages in pipeline
/// order, the launchers and the orchestration on top. A namespace may use its own layer and those below it, never
/// one above, so no namespace cycle can form.
/// </summary>
public class LayerTests(ITestOutputHelper output)
{
    const string Prefix = "MoDE.";

    /// <summary>The layers, lowest first; the README's map of the code lists them in this order.</summary>
    public static readonly string[] Layers =
    [
        "Storage", "Data", "Data.Synthetic", "Data.Ingest", "Data.Import", "Embed", "Cluster", "Split",
        "Tokenizer", "Model", "Train", "Route", "Eval", "Report", "Export", "Classify", "Shards", "Slurm", "Run",
    ];

    static NamespaceGraph Library() => NamespaceGraph.Read(typeof(RunLayout).Assembly.Location, Prefix);

    [Fact]
    public void The_library_has_no_namespace_cycle()
    {
        var graph = Library();
        output.WriteLine(graph.ToText(Prefix));
        var cycles = graph.Cycles();
        Assert.True(cycles.Count == 0, "namespace cycles: " + string.Join("; ", cycles.Select(c =>
            string.Join(" <-> ", c) + " (" + string.Join(", ", c.SelectMany(from => graph.Uses(from).Where(c.Contains).Select(to => graph.Example(from, to)))) + ")")));
    }

    [Fact]
    public void Every_namespace_uses_only_its_own_layer_and_those_below()
    {
        var graph = Library();
        Assert.Equal(Layers.Select(l => Prefix + l).Order(StringComparer.Ordinal), graph.Namespaces.Order(StringComparer.Ordinal));
        var upward = graph.Namespaces.SelectMany(from => graph.Uses(from)
                .Where(to => Array.IndexOf(Layers, to[Prefix.Length..]) > Array.IndexOf(Layers, from[Prefix.Length..]))
                .Select(to => $"{from} -> {to} ({graph.Example(from, to)})"))
            .ToList();
        Assert.True(upward.Count == 0, "uses of a higher layer: " + string.Join("; ", upward));
    }

    [Fact]
    public void The_graph_finds_a_cycle_when_there_is_one()
    {
        // This test assembly's own namespaces use each other both ways (the fixtures live in MoDE.Tests and use the
        // test namespaces' helpers), so the reader must report a cycle here: a reader that saw no edges would pass the
        // library's test without checking anything.
        var tests = NamespaceGraph.Read(typeof(LayerTests).Assembly.Location, "MoDE.Tests");
        Assert.NotEmpty(tests.Cycles());
    }
}
