using System.Text.Json.Serialization;

namespace MoDE.Train;

/// <summary>What the seed model does with a pretrained checkpoint (<see cref="PretrainedInit"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PretrainedSeed>))]
public enum PretrainedSeed
{
    /// <summary>The seed is the checkpoint: no seed steps are trained, and the data experts and the single model
    /// continue from it for their share of the schedule, as they continue from a seed the run trained.</summary>
    Skip,

    /// <summary>The seed starts from the checkpoint and trains its seed share of the schedule on all pairs.</summary>
    Finetune,
}
