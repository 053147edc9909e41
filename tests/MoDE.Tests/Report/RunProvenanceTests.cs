using MoDE.Report;

namespace MoDE.Tests.Report;

public class RunProvenanceTests
{
    [Fact]
    public void AMarkersOptionsFlattenInOrderWithDottedNames()
    {
        string done = """
            {
              "Seed": 7,
              "Name": "tiny",
              "KMeans": { "Iterations": 20, "Tolerance": 0.0001 },
              "Sizes": [1, 2],
              "Path": null,
              "Normalize": true
            }
            """;
        Assert.Equal([("Seed", "7"), ("Name", "tiny"), ("KMeans.Iterations", "20"), ("KMeans.Tolerance", "0.0001"), ("Sizes", "[1,2]"),
                      ("Path", "null"), ("Normalize", "true")], RunProvenance.Options(done));
        Assert.Empty(RunProvenance.Options("{}"));
    }

    [Fact]
    public void TheBuildNamesItsVersionCommitAndTools()
    {
        Assert.Matches(@"^\d+\.\d+\.\d+", BuildInfo.Version);
        Assert.DoesNotContain("+", BuildInfo.Version);
        Assert.Matches("^([0-9a-f]{40}|unknown)$", BuildInfo.Commit);
        var tools = BuildInfo.Tools().ToDictionary(t => t.Tool, t => t.Version);
        Assert.Equal([".NET runtime", "TorchSharp", "libtorch", "ONNX Runtime", "OS"], tools.Keys);
        Assert.StartsWith(".NET 10", tools[".NET runtime"]);
        Assert.Matches(@"^\d+\.\d+\.\d+$", tools["TorchSharp"]);
        Assert.Matches(@"^\d+\.\d+\.\d+", tools["libtorch"]);
        Assert.Matches(@"^\d+\.\d+\.\d+", tools["ONNX Runtime"]);
    }
}
