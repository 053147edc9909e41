using System.Text.Json;
using System.Text;
using MoDE.Train;
using Xunit;

namespace MoDE.Tests.Train;

public class TrainingLogTests : IDisposable
{
    readonly string _folder = Path.Combine(Path.GetTempPath(), $"mode-traininglog-{Guid.NewGuid():N}");
    string Jsonl => Path.Combine(_folder, "seed.jsonl");
    string Events => Path.Combine(_folder, "tensorboard", "seed");

    public void Dispose() { if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true); }

    static TrainProgress Step(int step) =>
        new(step, 100, 100, Loss: 5.0 / step, LogitScale: 14.3 + step * 0.01, LearningRate: 1e-3 * step, PairsPerSecond: 1000 + step + 0.123);

    [Fact]
    public void Crc32CMatchesTheKnownTestVector()
    {
        Assert.Equal(0xE3069283u, TensorBoardEvents.Crc32C(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0u, TensorBoardEvents.Crc32C([]));
    }

    [Fact]
    public void Crc32CMatchesTheIscsiTestVectors()
    {
        // RFC 3720 (iSCSI), appendix B.4: 32 bytes each, so the 8-byte steps run without a byte-wise tail.
        Assert.Equal(0x8A9136AAu, TensorBoardEvents.Crc32C(new byte[32]));
        Assert.Equal(0x62A8AB43u, TensorBoardEvents.Crc32C(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, TensorBoardEvents.Crc32C(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(0x113FDB5Cu, TensorBoardEvents.Crc32C(Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray()));
    }

    [Fact]
    public void EventsHoldTheJsonlScalarsStepByStep()
    {
        using (var log = new TrainingLog(Jsonl, Events, fromStep: 0))
            for (int s = 1; s <= 5; s++) log.Report(Step(s));

        var files = Directory.GetFiles(Events, "events.out.tfevents.*");
        var events = EventFileReader.Read(Assert.Single(files));
        Assert.Equal(TensorBoardEvents.FileVersion, events[0].FileVersion);
        AssertSameSteps(File.ReadAllLines(Jsonl), events.Skip(1).ToList(), expectedSteps: 5);
    }

    [Fact]
    [Trait("Hostile", "class6")]
    public void ResumeAfterAKillLeavesEveryStepOnce()
    {
        // First run: steps 1..15, checkpoint at 10, then killed (the log is not even disposed cleanly: a line is cut).
        var first = new TrainingLog(Jsonl, Events, fromStep: 0);
        for (int s = 1; s <= 15; s++) { first.Report(Step(s)); if (s == 10) first.Flush(); }
        first.Flush();
        first.Dispose();
        File.AppendAllText(Jsonl, "{\"step\": 16, \"lo");

        // Second run resumes from the checkpoint at 10 and trains to 20.
        using (var resumed = new TrainingLog(Jsonl, Events, fromStep: 10))
            for (int s = 11; s <= 20; s++) resumed.Report(Step(s));

        var lines = File.ReadAllLines(Jsonl);
        var file = Assert.Single(Directory.GetFiles(Events, "events.out.tfevents.*"));
        var events = EventFileReader.Read(file);
        Assert.Equal(TensorBoardEvents.FileVersion, events[0].FileVersion);
        Assert.Equal(1, events.Count(e => e.FileVersion is not null));
        AssertSameSteps(lines, events.Skip(1).ToList(), expectedSteps: 20);
    }

    [Fact]
    public void ResumeAtStepZeroDropsEverything()
    {
        using (var log = new TrainingLog(Jsonl, Events, fromStep: 0)) log.Report(Step(1));
        using (new TrainingLog(Jsonl, Events, fromStep: 0)) { }
        Assert.Empty(File.ReadAllLines(Jsonl));
        Assert.Single(EventFileReader.Read(Assert.Single(Directory.GetFiles(Events))));
    }

    [Fact]
    public void ReadsAsTheTrainingCurvesDo()
    {
        using (var log = new TrainingLog(Jsonl, Events, fromStep: 0))
            for (int s = 1; s <= 3; s++) log.Report(Step(s));
        var points = MoDE.Report.TrainingCurves.Read(Jsonl);
        Assert.Equal([1, 2, 3], points.Select(p => p.Step));
    }

    static void AssertSameSteps(string[] lines, List<EventFileReader.Event> events, int expectedSteps)
    {
        var steps = lines.Select(l => (int)JsonDocument.Parse(l).RootElement.GetProperty("step").GetDouble()).ToList();
        Assert.Equal(Enumerable.Range(1, expectedSteps), steps);
        Assert.Equal(Enumerable.Range(1, expectedSteps).Select(s => (long)s), events.Select(e => e.Step));
        for (int i = 0; i < lines.Length; i++)
        {
            var json = JsonDocument.Parse(lines[i]).RootElement;
            foreach (var (key, tag) in TrainingLog.Scalars)
                Assert.Equal((float)json.GetProperty(key).GetDouble(), events[i].Scalars[tag]);
            Assert.Equal(json.GetProperty("wall_time").GetDouble(), events[i].WallTime);
        }
    }
}
