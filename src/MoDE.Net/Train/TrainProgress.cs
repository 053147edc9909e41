
namespace MoDE.Train;

/// <summary>One finished training step, for progress bars and logs. <see cref="Step"/> counts finished steps.</summary>
public sealed record TrainProgress(int Step, int UntilStep, int TotalSteps, double Loss, double LogitScale, double LearningRate, double PairsPerSecond);
