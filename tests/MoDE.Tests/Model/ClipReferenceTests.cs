using System.Globalization;
using MoDE.Model;
using TorchSharp;

namespace MoDE.Tests.Model;

/// <summary>The PyTorch reference of MoDE's CLIP (src/MoDE.Net/Export/mode_clip.py, tested by tests/python/test_clip_reference.py) passes its own checks, and builds
/// every preset with exactly the parameter count of MoDE's <see cref="Clip"/>.</summary>
public class ClipReferenceTests
{
    [FactWithPyTorch]
    public void PythonReferencePassesAndCountsAsMoDE()
    {
        string script = Path.Combine(Repository.Root, "tests", "python", "test_clip_reference.py");
        var (code, output) = ChildProcess.Run(FactWithPyTorchAttribute.Python, [script]);
        Assert.True(code == 0, $"{script} exited {code}:\n{output}");
        Assert.EndsWith("all passed", output);
        foreach (string preset in ClipConfig.PresetNames)
        {
            var config = ClipConfig.Resolve(preset, vocabSize: preset.StartsWith("tiny") ? 2048 : 49408, imageSize: 32);
            using var model = new Clip(config, device: torch.META);
            Assert.Contains($"ok   parameter count {preset}: {model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} ", output);
        }
    }
}
