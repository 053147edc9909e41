using System.CommandLine;
using MoDE.Cli.Flags;
using MoDE.Data.Import;
using MoDE.Data.Ingest;
using MoDE.Storage;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode import</c>: real corpora from Debian packages into the standard run layout.</summary>
public static class ImportVerb
{
    public static Command Create(CancellationToken stop)
    {
        var import = new Command("import", "Real corpora from Debian packages into the standard run layout");

        var root = new Option<string>("--root") { Description = "Where the Debian package installed the corpus", DefaultValueFactory = _ => OpenClipartReader.DefaultRoot };
        var openClipart = new Command("openclipart",
            "OpenClipart (apt-get install -y openclipart-png openclipart-svg): PNGs with their SVG metadata as captions, as the run's pairs")
        {
            RunFlags.Run, root, StageFlags.SourceImageSize.Option, StageFlags.MaxPairs.Option, RunFlags.Threads,
        };
        var names = new FlagSet<SourceOptions>(StageFlags.SourceImageSize, StageFlags.MaxPairs);
        import.Subcommands.Add(openClipart.WithAction((p, output) =>
        {
            var options = names.Apply(p, OpenClipart.Options(p.GetValue(root)!)) with { Threads = p.GetValue(RunFlags.Threads) ?? 0 };
            OpenClipart.Import(new RunLayout(p.GetValue(RunFlags.Run)!), options, output, stop);
        }, names));

        var fashion = new Command("fashion-mnist",
            "Fashion-MNIST (apt-get install -y dataset-fashion-mnist): the test split as zero-shot task tasks/fashion-mnist, the training split with label captions as the run's pairs")
        {
            RunFlags.Run,
        };
        StageFlags.FashionMnist.AddTo(fashion);
        import.Subcommands.Add(fashion.WithAction((p, output) =>
            FashionMnist.Import(new RunLayout(p.GetValue(RunFlags.Run)!), StageFlags.FashionMnist.Apply(p, new FashionMnistOptions()), output, stop),
            StageFlags.FashionMnist));
        return import;
    }
}
