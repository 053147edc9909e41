using System.Text.Json;
using MoDE.Eval;
using MoDE.Model;
using MoDE.Slurm;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tests.Run;
using MoDE.Tests.Train;
using MoDE.Train;

namespace MoDE.Tests.Slurm;

/// <summary>
/// <c>mode import-experts</c> (<see cref="OpenClipImport"/>): open_clip's training checkpoints, written by PyTorch as open_clip_train
/// writes them (<c>{"epoch", "name", "state_dict"}</c> with DDP's <c>module.</c> prefix, an optimizer and a scaler state), and an
/// <c>open_clip_model.safetensors</c>, come back as the run's models with exactly their weights, and the eval stage scores them as it
/// scores models trained here; an unfinished or foreign checkpoint is refused, naming it, and the run's models stay as they were.
/// </summary>
public sealed class OpenClipImportTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("mode-open-clip-import").FullName;
    readonly PretrainedFiles files = new();

    public void Dispose()
    {
        files.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Saves each (tensors folder, path, name, epoch) of its arguments as open_clip_train/main.py saves a checkpoint.</summary>
    const string SaveCheckpoints = """
        import json, sys, numpy, torch
        for tensors, out, name, epoch in zip(*[iter(sys.argv[1:])] * 4):
            state_dict = {}
            for i, (key, shape) in enumerate(json.load(open(tensors + "/tensors.json"))):
                state_dict["module." + key] = torch.from_numpy(numpy.fromfile(f"{tensors}/{i}.bin", dtype="<f4").reshape(shape).copy())
            optimizer = {"state": {0: {"step": torch.tensor(5.0), "exp_avg": torch.zeros(3), "exp_avg_sq": torch.zeros(3)}},
                         "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.98), "eps": 1e-6, "weight_decay": 0.2, "amsgrad": False, "params": [0]}]}
            scaler = {"scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2000, "_growth_tracker": 0}
            torch.save({"epoch": int(epoch), "name": name, "state_dict": state_dict, "optimizer": optimizer, "scaler": scaler}, out)
        """;

    /// <summary>Writes each model as open_clip_train's <c>epoch_N.pt</c> of a distributed run, with one Python.</summary>
    void WriteTrainingCheckpoints(params (Clip Model, string Path, string Name, int Epoch)[] checkpoints)
    {
        var arguments = new List<string> { "-c", SaveCheckpoints };
        string tensors = Directory.CreateTempSubdirectory("mode-tensors").FullName;
        for (int c = 0; c < checkpoints.Length; c++)
        {
            string dump = Directory.CreateDirectory(Path.Combine(tensors, c.ToString())).FullName;
            var named = OpenClipNames.Map(checkpoints[c].Model);
            for (int i = 0; i < named.Count; i++)
                File.WriteAllBytes(Path.Combine(dump, $"{i}.bin"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(
                    named[i].Parameter.detach().contiguous().data<float>().ToArray().AsSpan()).ToArray());
            File.WriteAllText(Path.Combine(dump, "tensors.json"), JsonSerializer.Serialize(named.Select(n => new object[] { n.Name, n.Parameter.shape })));
            Directory.CreateDirectory(Path.GetDirectoryName(checkpoints[c].Path)!);
            arguments.AddRange([dump, checkpoints[c].Path, checkpoints[c].Name, checkpoints[c].Epoch.ToString()]);
        }
        var (code, output) = ChildProcess.Run(FactWithPyTorchAttribute.Python, arguments);
        Directory.Delete(tensors, recursive: true);
        Assert.True(code == 0, output);
    }

    TrainOptions Train => PipelineTests.Tiny.Train with { Model = "tiny-vit" };

    /// <summary>A split run, and for each of its models a tiny-vit of CLIP's vocabulary with weights of its own, written as open_clip
    /// leaves them in FROM/MODEL/: training checkpoints, expert_1 with an earlier epoch beside its last, the single model as safetensors.</summary>
    (RunLayout Run, TrainOptions Train, OpenClipSchedule Schedule, string From, Dictionary<string, Clip> Models) Prepared(string name)
    {
        var run = SplitRun.Copy(name);
        var train = Train.WithTokenizer(files.Vocabulary);
        var schedule = OpenClipSchedule.Of(train, RunModels.Experts(run), 32);
        string from = Path.Combine(folder, name);
        var config = ClipConfig.TinyVit(PretrainedFiles.VocabSize);
        var models = RunModels.Of(run).Select((m, i) => (m, new Clip(config, 300 + i))).ToDictionary(m => m.m, m => m.Item2);
        var checkpoints = new List<(Clip, string, string, int)>();
        foreach (var (model, clip) in models)
        {
            int epoch = model == RunModels.Seed ? schedule.SeedEpochs : model == RunModels.Baseline ? schedule.BaselineEpochs : schedule.Epochs;
            if (model == RunModels.Single) { Directory.CreateDirectory(Path.Combine(from, model)); OpenClipCheckpoint.Save(clip, Path.Combine(from, model, OpenClipCheckpoint.FileName)); continue; }
            checkpoints.Add((clip, Path.Combine(from, model, "checkpoints", $"epoch_{epoch}.pt"), model, epoch));
            if (model == RunModels.Expert(1)) checkpoints.Add((models[RunModels.Seed], Path.Combine(from, model, "checkpoints", $"epoch_{epoch - 1}.pt"), model, epoch - 1));
        }
        WriteTrainingCheckpoints([.. checkpoints]);
        return (run, train, schedule, from, models);
    }

    static void AssertWeights(Clip expected, Clip actual)
    {
        var a = OpenClipNames.Map(expected);
        var b = OpenClipNames.Map(actual);
        Assert.Equal(a.Select(x => x.Name), b.Select(x => x.Name));
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Parameter.shape, b[i].Parameter.shape);
            Assert.True(a[i].Parameter.detach().contiguous().data<float>().ToArray().SequenceEqual(b[i].Parameter.detach().contiguous().data<float>().ToArray()), $"{a[i].Name} differs");
        }
    }

    [FactWithPyTorch]
    public void Open_clips_checkpoints_become_the_runs_models_with_their_weights_and_the_eval_stage_scores_them()
    {
        var (run, train, schedule, from, models) = Prepared("mode-import");
        var log = new StringWriter();
        var imported = OpenClipImport.Run(run, train, from, schedule, log);
        Assert.Equal(RunModels.Of(run), imported);
        foreach (var (model, clip) in models)
        {
            using var state = TrainState.Load(run.Model(model));
            AssertWeights(clip, state.Model);
            Assert.Equal(model == RunModels.Seed ? train.SeedSteps : model == RunModels.Baseline ? train.BaselineSteps(RunModels.Experts(run)) : train.Steps, state.Step);
        }
        Assert.True(StageMarker.IsDone(run, TrainStage.Stage.Name, train));
        Assert.True(File.Exists(run.Tokenizer));

        var results = EvalStage.Run(run, new EvalOptions(), new StringWriter());
        Assert.True(File.Exists(run.ResultsJson));
        Assert.NotEmpty(results.ToString());
        foreach (var model in models.Values) model.Dispose();
    }

    [FactWithPyTorch]
    [Trait("Hostile", "class12")]
    public void An_unfinished_or_foreign_checkpoint_is_refused_naming_it_and_the_runs_models_stay()
    {
        var (run, train, schedule, from, models) = Prepared("mode-import-refused");
        OpenClipImport.Run(run, train, from, schedule, TextWriter.Null);
        byte[] before = File.ReadAllBytes(run.Model(RunModels.Expert(0)));

        // open_clip has not reached the expert's last epoch yet
        string last = Path.Combine(from, RunModels.Expert(0), "checkpoints", $"epoch_{schedule.Epochs}.pt");
        string unfinished = Path.Combine(from, RunModels.Expert(0), "checkpoints", $"epoch_{schedule.Epochs - 2}.pt");
        File.Move(last, unfinished);
        var early = Assert.Throws<InvalidDataException>(() => OpenClipImport.Run(run, train, from, schedule, TextWriter.Null));
        Assert.StartsWith(unfinished, early.Message);
        Assert.Contains($"epoch {schedule.Epochs - 2}", early.Message);

        // a checkpoint of another architecture (the CNN tiny preset) under the expert's name
        File.Delete(unfinished);
        using (var cnn = new Clip(ClipConfig.Tiny(PretrainedFiles.VocabSize), 5)) WriteTrainingCheckpoints((cnn, last, RunModels.Expert(0), schedule.Epochs));
        var foreign = Assert.Throws<InvalidDataException>(() => OpenClipImport.Run(run, train, from, schedule, TextWriter.Null));
        Assert.StartsWith(last, foreign.Message);
        Assert.Contains("not a checkpoint of this model", foreign.Message);
        Assert.Equal(before, File.ReadAllBytes(run.Model(RunModels.Expert(0))));
        foreach (var model in models.Values) model.Dispose();
    }
}
