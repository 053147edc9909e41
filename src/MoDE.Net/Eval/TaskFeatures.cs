using MoDE.Model;
using MoDE.Tokenizer;

namespace MoDE.Eval;

/// <summary>
/// One model's unit features of one task: its images, and its text side (each class's embedding, or each caption's).
/// The task's scores are their dot products (<see cref="ZeroShotClassifier.Similarities(float[][], float[][])"/>);
/// the eval stage keeps these, d floats per image and per class or caption, instead of the scores.
/// </summary>
public sealed record TaskFeatures(float[][] Images, float[][] Texts)
{
    public static TaskFeatures Of(Clip model, CaptionTokenizer tokenizer, EvalTask task) => task switch
    {
        ClassificationTask c => new(model.EncodeImages(c.Images), ZeroShotClassifier.ClassWeights(model, tokenizer, c.Prompts)),
        RetrievalTask r => new(model.EncodeImages(r.Images), model.EncodeTexts(tokenizer, r.Captions)),
        _ => throw new ArgumentException($"task {task.Name}: unknown kind {task.GetType().Name}", nameof(task)),
    };
}
