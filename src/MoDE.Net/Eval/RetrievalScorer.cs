using MoDE.Model;
using MoDE.Tokenizer;

namespace MoDE.Eval;

/// <summary>Image-text similarities of one CLIP model for a retrieval set: cosine, no logit scale.</summary>
public static class RetrievalScorer
{
    /// <returns>[images x captions] cosine similarities, row after row.</returns>
    public static float[] Similarities(Clip model, CaptionTokenizer tokenizer, RetrievalTask task) =>
        ZeroShotClassifier.Similarities(model.EncodeImages(task.Images), model.EncodeTexts(tokenizer, task.Captions));
}
