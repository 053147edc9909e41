namespace MoDE.Embed;

/// <summary>How a BERT-family encoder's token states become one caption vector.</summary>
public enum Pooling
{
    /// <summary>Mean of the last hidden states over the attention mask (sentence-transformers, all-MiniLM-L6-v2).</summary>
    Mean,
    /// <summary>The [CLS] token's last hidden state (arctic-embed, BGE).</summary>
    Cls,
    /// <summary>The model's pooler output, [CLS] through dense + tanh (SimCSE, as the MoDE paper uses).</summary>
    Pooler,
}
