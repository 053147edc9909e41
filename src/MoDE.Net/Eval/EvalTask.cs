using MoDE.Data;
using MoDE.Route;

namespace MoDE.Eval;

/// <summary>A task the experts are evaluated on: zero-shot classification or image-text retrieval.</summary>
public abstract record EvalTask(string Name)
{
    /// <summary>The metric of the results' main table for this task.</summary>
    public abstract string Headline { get; }

    /// <summary>The task's images, at the models' image size.</summary>
    public abstract ImageSet Images { get; }

    /// <summary>How many test items the headline metric is a proportion over, for its confidence interval.</summary>
    public abstract int TestSize { get; }

    /// <summary>What the task is, when its folder says (task.json's <c>description</c>), shown with the results.</summary>
    public string? Description { get; init; }
}

/// <summary>
/// Zero-shot classification: class names with synonyms and prompt templates, and labelled images.
/// <see cref="Labels"/>[i] is the class index of image i. <see cref="Metric"/> is the headline: top-1, or mean
/// per-class accuracy for unbalanced tasks (the CLIP benchmark's choice for Aircraft, Pets, Caltech101, Flowers).
/// </summary>
public sealed record ClassificationTask(string Name, ClassPrompts Prompts, ImageSet Data, int[] Labels, string Metric = ClassificationMetrics.Top1) : EvalTask(Name)
{
    public override string Headline => Metric;
    public override ImageSet Images => Data;

    /// <summary>The labelled images. Mean per-class accuracy is a mean of per-class proportions rather than one
    /// proportion over them; for it the images' count is an approximate sample size.</summary>
    public override int TestSize => Labels.Length;

    /// <summary>A built-in task of the run (no synonyms, top-1).</summary>
    public static ClassificationTask Of(ZeroShotTask task) => new(task.Name, ClassPrompts.Of(task), task.Images, task.Labels);
}

/// <summary>
/// Image-text retrieval: images and captions, each caption describing one image (an image may have several).
/// Scored by Recall@1/5/10 in both directions; the headline is the mean of the two Recall@1.
/// </summary>
public sealed record RetrievalTask(string Name, ImageSet Data, IReadOnlyList<string> Captions, int[] ImageOfCaption) : EvalTask(Name)
{
    public override string Headline => RetrievalMetrics.MeanRecallAt1;
    public override ImageSet Images => Data;

    /// <summary>The images that have a caption: the queries of image->text Recall@1, never more than the captions
    /// (the queries of text->image). The headline averages the two; a mean of two estimates varies at most as much
    /// as the noisier one, whatever their correlation, so counting only the smaller set errs towards a wider interval.</summary>
    public override int TestSize => ImageOfCaption.Distinct().Count();
}
