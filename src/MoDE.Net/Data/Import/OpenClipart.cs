using MoDE.Data.Ingest;
using MoDE.Storage;

namespace MoDE.Data.Import;

/// <summary>
/// <c>mode import openclipart</c>: Debian's OpenClipart as the run's training pairs, through the same ingest as any
/// source (<see cref="OpenClipartReader"/> for the captions; decoding, skips and report as <see cref="SourceIngest"/>).
/// </summary>
public static class OpenClipart
{
    public static bool IsInstalled(string root = OpenClipartReader.DefaultRoot) =>
        Directory.Exists(Path.Combine(root, "png")) && Directory.Exists(Path.Combine(root, "svg"));

    public static SourceOptions Options(string root = OpenClipartReader.DefaultRoot) => new() { Source = root, Format = SourceFormat.OpenClipart };

    public static IngestReport? Import(RunLayout run, SourceOptions options, TextWriter log, CancellationToken stop = default) =>
        IngestStage.Run(run, options with { Format = SourceFormat.OpenClipart }, log, stop);
}
