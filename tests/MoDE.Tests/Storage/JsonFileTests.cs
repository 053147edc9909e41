using MoDE.Cluster;
using MoDE.Eval;
using MoDE.Slurm;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tokenizer;
using Xunit;

namespace MoDE.Tests.Storage;

/// <summary>The JSON files a run writes, damaged: each loader refuses them in one line naming the file
/// (<see cref="JsonFile"/>), instead of a raw JsonException without the file or a NullReferenceException later.</summary>
public sealed class JsonFileTests : IDisposable
{
    readonly RunLayout _run = new(Directory.CreateTempSubdirectory("mode-json").FullName);

    public void Dispose() => Directory.Delete(_run.Root, recursive: true);

    /// <summary>Each artifact's path and its loader.</summary>
    (string Path, Action Load) Artifact(string name) => name switch
    {
        "cluster/hierarchy.json" => (_run.Hierarchy, () => ClusterHierarchy.Load(_run)),
        "cluster/report.json" => (_run.ClusterReport, () => ClusterReport.Load(_run.ClusterReport)),
        "split/report.json" => (_run.SplitReport, () => RunModels.Experts(_run)),
        "split/report.json (experts)" => (_run.SplitReport, () => ExpertData.Load(_run)),
        "eval/results.json" => (_run.ResultsJson, () => Results.Load(_run)),
        "train/tokenizer.json" => (_run.Tokenizer, () => CaptionTokenizer.Load(_run.Tokenizer)),
        "slurm/jobs.json" => (SlurmJobs.PathIn(_run), () => SlurmJobs.Load(_run)),
        "embed/report.json" => (_run.EmbedReport, () => MoDE.Embed.EmbedStage.EncoderOf(_run)),
        _ => throw new ArgumentException(name, nameof(name)),
    };

    public static TheoryData<string, string> Damaged()
    {
        var data = new TheoryData<string, string>();
        string[] artifacts = ["cluster/hierarchy.json", "cluster/report.json", "split/report.json", "split/report.json (experts)",
            "eval/results.json", "train/tokenizer.json", "slurm/jobs.json", "embed/report.json"];
        foreach (string artifact in artifacts)
            foreach (string content in new[] { "", "{", "null", "[1, 2]", "\"text\"" })
                data.Add(artifact, content);
        // Wrong types and null fields where the record needs a value.
        data.Add("cluster/hierarchy.json", """{"format_version": "three"}""");
        data.Add("cluster/hierarchy.json", """{"format_version": 1, "fine_clusters": 2, "coarse_clusters": 1, "dimension": 2, "captions": 2, "fine_to_coarse": null, "expert_captions": [2], "expert_fine_clusters": [2]}""");
        data.Add("split/report.json", """{"Experts": "two", "OutOfClusterRatio": 0.5, "Sizes": [1, 2]}""");
        data.Add("split/report.json", """{"Experts": 2, "OutOfClusterRatio": 0.5, "Sizes": null}""");
        data.Add("split/report.json", """{"Experts": 2, "OutOfClusterRatio": 0.5}""");
        data.Add("split/report.json", """{"Experts": -1, "OutOfClusterRatio": 0.5, "Sizes": []}""");
        data.Add("split/report.json (experts)", """{"Experts": 2000000000, "OutOfClusterRatio": 0.5, "Sizes": [1]}""");
        data.Add("eval/results.json", """{"Tasks": ["a"], "Methods": null, "RoutedWeights": {}, "Note": ""}""");
        data.Add("train/tokenizer.json", """{"FormatVersion": 1, "ContextLength": 77, "Vocabulary": null, "Merges": "merges.txt"}""");
        data.Add("slurm/jobs.json", """{"Jobs": {"seed": 17}, "Logs": {}}""");
        data.Add("embed/report.json", """{"Pairs": "many"}""");
        return data;
    }

    [Theory]
    [Trait("Hostile", "class1")]
    [MemberData(nameof(Damaged))]
    public void ADamagedArtifactIsOneLineNamingIt(string artifact, string content)
    {
        var (path, load) = Artifact(artifact);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        var e = Assert.Throws<InvalidDataException>(load);
        Assert.StartsWith(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
