using System.CommandLine;
using MoDE.Classify;
using MoDE.Cli.Flags;
using MoDE.Eval;
using MoDE.Route;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode classify</c>: which of the given class names fits each image, through the routed experts.</summary>
public static class ClassifyVerb
{
    public static readonly Flag<EnsembleOptions, string> Routing = new("--routing", "Routing: code, paper or calibrated, optionally with coarse (\"paper,coarse\")",
        nameof(EnsembleOptions.Routing), o => o.Routing.Name, (o, v) => o with { Routing = RoutingOptions.Parse(v) });

    public static readonly Flag<EnsembleOptions, string> Templates = new("--templates", $"Prompt template set for the class names ({string.Join(", ", PromptTemplates.Names)})",
        nameof(EnsembleOptions.Templates), o => o.Templates, (o, v) => o with { Templates = v });

    public static readonly Flag<EnsembleOptions, int> Top = new("--top", "Classes listed per image, most probable first",
        nameof(EnsembleOptions.Top), o => o.Top, (o, v) => o with { Top = v });

    static readonly Flag<EnsembleOptions, bool> Single = new("--single", "Answer with the run's single model alone (no routing), the reference classifier",
        nameof(EnsembleOptions.Models), o => o.Models == EnsembleModels.Single, (o, v) => o with { Models = v ? EnsembleModels.Single : EnsembleModels.Experts });

    public static readonly FlagSet<EnsembleOptions> Flags = new(Routing, Templates, Top, Single);

    static readonly Option<string?> Classes = new("--classes") { Description = "Class names, comma-separated (\"cat,dog,bird\")" };
    static readonly Option<string?> ClassesFile = new("--classes-file") { Description = "A file of class names, one a line (blank lines skipped)" };
    static readonly Option<bool> Json = new("--json") { Description = "Print the answer as JSON (per image: top classes, every class's probability; the models' weights)" };
    static readonly Argument<string[]> Images = new("IMAGE") { Description = "Image files (JPEG, PNG, WebP, GIF, BMP)", Arity = ArgumentArity.OneOrMore };

    public static Command Create()
    {
        var command = new Command("classify", "Zero-shot classify images with a trained run's experts: the class names are routed to the experts, whose scores are combined as `mode eval` does")
        {
            RunFlags.Run, Classes, ClassesFile, Json, RunFlags.Threads, Images,
        };
        Flags.AddTo(command);
        command.Validators.Add(result =>
        {
            bool inline = result.GetResult(Classes) is { Implicit: false }, file = result.GetResult(ClassesFile) is { Implicit: false };
            if (inline == file) result.AddError("give the class names with one of --classes or --classes-file");
        });
        return command.WithAction((p, output) =>
        {
            var options = Flags.Apply(p, new EnsembleOptions()) with { Threads = p.GetValue(RunFlags.Threads) ?? 0 };
            var classes = ClassNames(p.GetValue(Classes), p.GetValue(ClassesFile));
            var paths = p.GetValue(Images)!;
            using var ensemble = ExpertEnsemble.Open(p.GetValue(RunFlags.Run)!, options);
            using var images = ImageFiles.Load(paths, ensemble.ImageSize);
            var answer = ensemble.Classify(images, classes);
            output.Write(p.GetValue(Json) ? answer.ToJson(paths, ensemble.ModelNames).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n"
                                          : answer.ToText(paths, ensemble.ModelNames));
        }, Flags, new FlagName("text", Routing.Option.Name), new FlagName("classes", Classes.Name), new FlagName("top", Top.Option.Name));
    }

    /// <summary>The class names of --classes ("a,b,c") or of a --classes-file (one a line), trimmed.</summary>
    static List<string> ClassNames(string? inline, string? file)
    {
        if (file is not null && !File.Exists(file)) throw new FileNotFoundException($"{file}: no such classes file");
        var names = (file is null ? inline!.Split(',') : File.ReadAllLines(file)).Select(n => n.Trim()).ToList();
        if (file is null && names.Any(n => n.Length == 0)) throw new ArgumentException($"--classes \"{inline}\" has an empty class name", "classes");
        names.RemoveAll(n => n.Length == 0);
        if (names.Count == 0) throw new InvalidDataException($"{file}: no class names");
        return names;
    }
}
