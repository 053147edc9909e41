using System.Collections;
using MoDE.Model;
using MoDE.Split;
using MoDE.Storage;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;

using static TorchSharp.torch;

namespace MoDE.Train;

/// <summary>
/// A <see cref="TrainState"/> as open_clip's training checkpoint, the file <c>python -m open_clip_train.main --resume</c>
/// continues (src/open_clip_train/main.py of open_clip v3.3.0, "optionally resume from a checkpoint" and "Saving
/// checkpoints"): torch.save of the dict <c>{"epoch", "name", "state_dict", "optimizer"}</c>. open_clip loads
/// <c>state_dict</c> into the model, <c>optimizer</c> into the AdamW it built, and trains epochs <c>epoch</c> to
/// <c>--epochs</c>, its cosine schedule taken at step <c>epoch x steps per epoch</c>: a data expert continues the
/// seed's schedule with the seed's moments, as in the MoDE paper (Ma et al., CVPR 2024), where the seed trains 27 of
/// 32 epochs. <c>scaler</c> (mixed precision's loss scale) is optional there and not written.
/// <para>The optimizer entry is PyTorch's <c>Optimizer.state_dict()</c> layout: <c>param_groups</c>, each with its
/// hyper-parameters and <c>params</c>, the indices of its tensors, and <c>state</c>, by index, each tensor's AdamW
/// <c>step</c> (a float32 0-d tensor, as torch.optim.AdamW keeps it), <c>exp_avg</c> and <c>exp_avg_sq</c>. The indices
/// count the groups' tensors in order, and open_clip's groups are its own: main.py puts a tensor in the first group
/// (no weight decay) when it has under two dimensions or its name contains "bn", "ln", "bias" or "logit_scale", every
/// other in the second (weight decay <c>--wd</c>), each in the order of <c>model.named_parameters()</c>
/// (<see cref="OpenClipNames.InParameterOrder"/>). AdamW's moments belong to a tensor, not to a group, so they map one to
/// one; the groups differ from MoDE.NET's own (<see cref="WeightDecayGroups"/>) in the 2-D token and positional
/// embeddings, which open_clip decays and MoDE.NET does not.</para>
/// <para>Epochs: a run's schedule of <see cref="TrainOptions.Steps"/> is <see cref="PaperEpochs"/> epochs of
/// Steps / 32 steps each, and the seed's <see cref="TrainOptions.SeedShare"/> of it ends at epoch
/// <see cref="SeedEpoch"/> (27 for the paper's 27/32).</para>
/// </summary>
public static class OpenClipTrainingCheckpoint
{
    /// <summary>The paper's schedule: 32 epochs.</summary>
    public const int PaperEpochs = 32;

    /// <summary>The epoch at which the seed's share of a schedule of <paramref name="epochs"/> epochs ends: 27 of 32 for
    /// the paper's share of 27/32. Throws, naming <paramref name="epochs"/>, when that is not a whole epoch short of the end.</summary>
    public static int SeedEpoch(TrainOptions options, int epochs = PaperEpochs)
    {
        ArgumentNullException.ThrowIfNull(options);
        double share = epochs * options.SeedShare;
        int epoch = (int)Math.Round(share);
        if (epochs < 2 || Math.Abs(share - epoch) > 1e-9 || epoch < 1 || epoch >= epochs)
            throw new ArgumentOutOfRangeException(nameof(epochs), epochs, $"the seed's share {options.SeedShare} of {epochs} epochs is not a whole number of epochs between 1 and {epochs - 1}");
        return epoch;
    }

    /// <summary>Whether open_clip's main.py gives the tensor <paramref name="name"/> no weight decay (its <c>exclude</c>).</summary>
    public static bool IsExcluded(string name, int dimensions) =>
        dimensions < 2 || name.Contains("bn", StringComparison.Ordinal) || name.Contains("ln", StringComparison.Ordinal)
        || name.Contains("bias", StringComparison.Ordinal) || name.Contains("logit_scale", StringComparison.Ordinal);

    /// <summary>open_clip's two AdamW groups for <paramref name="config"/>, each in named_parameters order: the first
    /// without weight decay, the second with it.</summary>
    public static (IReadOnlyList<(string Name, long[] Shape)> NoDecay, IReadOnlyList<(string Name, long[] Shape)> Decay) Groups(ClipConfig config)
    {
        var order = OpenClipNames.InParameterOrder(config);
        return ([.. order.Where(t => IsExcluded(t.Name, t.Shape.Length))], [.. order.Where(t => !IsExcluded(t.Name, t.Shape.Length))]);
    }

    /// <summary>Writes <paramref name="state"/> to <paramref name="path"/> (atomically) as open_clip's checkpoint of
    /// epoch <paramref name="epoch"/>, named <paramref name="name"/> (open_clip's <c>--name</c>). The learning rate in
    /// the groups is the one the state's last step used (open_clip sets its own before every step).</summary>
    public static void Save(TrainState state, string path, int epoch, string name)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var options = state.Options;
        var weights = OpenClipNames.Map(state.Model).ToDictionary(p => p.Name, p => (Tensor)p.Parameter);
        var moments = state.Moments();
        double lr = state.Optimizer.ParamGroups.First().LearningRate;
        using var scope = torch.NewDisposeScope();
        // torch.save writes a tensor as its storage from offset 0: a contiguous CPU copy where the tensor is not one.
        static Tensor Plain(Tensor t)
        {
            var plain = t.detach().to(ScalarType.Float32, CPU).contiguous();
            return plain.storage_offset() == 0 ? plain : plain.clone();
        }

        var stateDict = new Dictionary<string, object>();
        foreach (var (tensor, _) in OpenClipNames.InParameterOrder(state.Config)) stateDict[tensor] = Plain(weights[tensor]);
        var perTensor = new Dictionary<object, object>();
        var groups = new ArrayList();
        var (noDecay, decay) = Groups(state.Config);
        foreach (var (members, weightDecay) in new[] { (noDecay, 0.0), (decay, options.WeightDecay) })
        {
            var indices = new ArrayList();
            foreach (var (tensor, _) in members)
            {
                var moment = moments[tensor];
                indices.Add(perTensor.Count);
                perTensor[perTensor.Count] = new Dictionary<string, object>
                {
                    ["step"] = torch.tensor((float)moment.step),
                    ["exp_avg"] = Plain(moment.exp_avg),
                    ["exp_avg_sq"] = Plain(moment.exp_avg_sq),
                };
            }
            // torch.optim.AdamW's defaults (PyTorch 1.13 to 2.x); a key a version lacks is ignored by its step, and one it
            // has that the file lacks is set to its default by __setstate__ on load (decoupled_weight_decay: AdamW's own).
            groups.Add(new Dictionary<string, object?>
            {
                ["lr"] = lr, ["betas"] = new object[] { options.Beta1, options.Beta2 }, ["eps"] = options.Epsilon,
                ["weight_decay"] = weightDecay, ["amsgrad"] = false, ["foreach"] = null, ["maximize"] = false,
                ["capturable"] = false, ["differentiable"] = false, ["fused"] = null, ["decoupled_weight_decay"] = true,
                ["params"] = indices,
            });
        }
        var checkpoint = new Dictionary<string, object>
        {
            ["epoch"] = epoch,
            ["name"] = name,
            ["state_dict"] = stateDict,
            ["optimizer"] = new Dictionary<string, object> { ["state"] = perTensor, ["param_groups"] = groups },
        };
        AtomicFile.Write(path, stream => PyTorchPickler.PickleStateDict(stream, checkpoint, leaveOpen: true),
            bytes: 3 * state.Model.parameters().Sum(p => p.NumberOfElements * sizeof(float)));
    }

    /// <summary>The open_clip checkpoint at <paramref name="path"/> as a run's seed: a <see cref="TrainState"/> of
    /// <paramref name="config"/> and <paramref name="options"/> at the end of the seed's share
    /// (<see cref="TrainOptions.SeedSteps"/>), with the file's weights (<see cref="OpenClipCheckpoint.Load"/>), AdamW
    /// moments and per-tensor steps. Throws <see cref="InvalidDataException"/> naming the file, in one line, when it is not
    /// a training checkpoint of this architecture at the seed's epoch of <paramref name="epochs"/> with open_clip's
    /// two AdamW groups and every tensor's moments.</summary>
    public static TrainState LoadSeed(string path, ClipConfig config, TrainOptions options, int epochs = PaperEpochs)
    {
        ArgumentNullException.ThrowIfNull(options);
        int seedEpoch = SeedEpoch(options, epochs);
        var state = TrainState.Create(config, options, options.Steps);
        try
        {
            using var scope = torch.NewDisposeScope();
            var root = TorchStateDict.ReadArchive(path);
            OpenClipCheckpoint.Load(state.Model, path, TorchStateDict.StateDict(path, root));
            if (root["epoch"] is not int epoch || root["optimizer"] is not Hashtable optimizer)
                throw Bad(path, "a state dict without \"epoch\" and \"optimizer\", not open_clip's training checkpoint (open_clip_train writes those as checkpoints/epoch_K.pt)");
            if (epoch != seedEpoch)
                throw Bad(path, $"a checkpoint of epoch {epoch}; this run's seed ends at epoch {seedEpoch} of {epochs} (seed share {options.SeedShare})");
            if (optimizer["param_groups"] is not ArrayList groups || optimizer["state"] is not Hashtable perTensor)
                throw Bad(path, "an optimizer entry without \"param_groups\" and \"state\"");
            var (noDecay, decay) = Groups(state.Config);
            IReadOnlyList<(string Name, long[] Shape)>[] expected = [noDecay, decay];
            if (groups.Count != expected.Length)
                throw Bad(path, $"{groups.Count} parameter groups; open_clip's AdamW has {expected.Length} (no weight decay, weight decay)");
            var moments = state.Moments();
            var loaded = new List<(AdamW.State Moment, long Step, Tensor ExpAvg, Tensor ExpAvgSq)>();
            for (int g = 0; g < expected.Length; g++)
            {
                if (groups[g] is not Hashtable group || group["params"] is not ArrayList indices || indices.Count != expected[g].Count)
                    throw Bad(path, $"parameter group {g} does not hold {expected[g].Count} tensors, as open_clip's for this model does");
                for (int i = 0; i < indices.Count; i++)
                {
                    var (tensor, shape) = expected[g][i];
                    string where = $"optimizer state of '{tensor}' (group {g}, index {indices[i]})";
                    if (indices[i] is null || perTensor[indices[i]!] is not Hashtable entry)
                        throw Bad(path, $"no {where}: a seed that has taken no step on it");
                    Tensor Moment(string key) => entry[key] is Tensor t && t.is_floating_point() && t.shape.SequenceEqual(shape)
                        ? torch.isfinite(t).all().item<bool>() ? t : throw Bad(path, $"{where}: {key} holds NaN or infinite values")
                        : throw Bad(path, $"{where}: {key} is not a float tensor of shape [{string.Join(", ", shape)}]");
                    long step = entry["step"] switch
                    {
                        Tensor t when t.NumberOfElements == 1 => (long)t.to(ScalarType.Float64).item<double>(),
                        int n => n,
                        long n => n,
                        double n when n == Math.Floor(n) => (long)n,
                        _ => -1,
                    };
                    if (step < 1) throw Bad(path, $"{where}: step is not a positive whole number");
                    loaded.Add((moments[tensor], step, Moment("exp_avg"), Moment("exp_avg_sq")));
                }
            }
            using (torch.no_grad())
                foreach (var (moment, step, expAvg, expAvgSq) in loaded)
                {
                    moment.step = step;
                    moment.exp_avg.copy_(expAvg);
                    moment.exp_avg_sq.copy_(expAvgSq);
                }
            state.Step = options.SeedSteps;
            return state;
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    /// <summary>Whether <paramref name="path"/> is a torch.save archive of a training checkpoint (a dict with
    /// <c>"epoch"</c> and <c>"optimizer"</c>) rather than a state dict alone; its structure is read, not its tensors.</summary>
    public static bool IsTrainingCheckpoint(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using (var stream = File.OpenRead(path)) head = head[..stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
        if (!TorchStateDict.IsZip(head)) return false;
        var root = TorchStateDict.ReadArchive(path, tensors: false);
        return root.ContainsKey("epoch") && root["optimizer"] is Hashtable;
    }

    /// <summary>Writes the run's finished seed (<see cref="RunLayout.Model"/> of the seed) as open_clip's checkpoint of
    /// the seed's epoch of <paramref name="epochs"/> (<see cref="SeedEpoch"/>), at
    /// <see cref="RunLayout.OpenClipCheckpoint"/>; returns its path. Throws <see cref="InvalidOperationException"/>
    /// naming the command to run when the seed is not trained to the end of its share.</summary>
    public static string WriteSeed(RunLayout run, int epochs = PaperEpochs)
    {
        ArgumentNullException.ThrowIfNull(run);
        string model = run.Model(RunModels.Seed);
        if (!File.Exists(model))
            throw new InvalidOperationException($"{model} is missing: the seed is not trained; run `{ModeCommand.Invocation} train --run {ModeCommand.Quote(run.Root)} --only {RunModels.Seed}` first");
        using var seed = TrainState.Load(model);
        int epoch = SeedEpoch(seed.Options, epochs);
        if (seed.Step != seed.Options.SeedSteps)
            throw new InvalidDataException($"{model}: a state at step {seed.Step}, not the seed's last ({seed.Options.SeedSteps} of {seed.TotalSteps})");
        string path = run.OpenClipCheckpoint(RunModels.Seed, epoch);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Save(seed, path, epoch, RunModels.Seed);
        return path;
    }

    static InvalidDataException Bad(string path, string reason) => new($"{path}: {reason}");
}
