using System.Text.Json.Serialization;

namespace MoDE.Train;

/// <summary>Which of a run's models start from a pretrained checkpoint (<see cref="PretrainedInit"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PretrainedModels>))]
public enum PretrainedModels
{
    /// <summary>The seed alone (the experts and the single model continue from the seed, so from the checkpoint); the
    /// equal-compute baseline starts from random weights.</summary>
    Seed,

    /// <summary>The seed and the equal-compute baseline, so that MoDE and its baseline start from the same weights.</summary>
    All,
}
