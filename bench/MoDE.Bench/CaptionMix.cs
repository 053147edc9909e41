using MoDE.Data.Synthetic;

/// <summary>
/// A seeded mix of web-like captions with realistic lengths: the built-in synthetic captions (short alt-text)
/// extended with 0..n descriptive sentences, so lengths spread from about 3 to 80+ words.
/// </summary>
static class CaptionMix
{
    static readonly string[] Sentences =
    [
        "The photo was taken in the late afternoon with soft light coming from the left side of the frame.",
        "In the background there is a blurred street with parked cars and a few people walking past.",
        "The image is part of a larger collection of product shots uploaded by the seller.",
        "Colors are slightly washed out, probably because of the compression applied by the website.",
        "A watermark with the photographer's name appears in the lower right corner.",
        "Click the thumbnail to see the full resolution version and more pictures from this album.",
        "This item ships worldwide and comes with a two year warranty from the manufacturer.",
        "The shape is centered and takes up roughly half of the picture, surrounded by empty space.",
        "Several smaller objects are scattered around it, casting faint shadows on the surface.",
        "Caption provided by the uploader; it may not describe the picture accurately.",
    ];

    public static List<string> Generate(int count, int seed = 7)
    {
        var random = new Random(seed);
        var baseCaptions = SyntheticWeb.GeneratePairs(new SyntheticWebOptions { Pairs = Math.Min(count, 20_000) }).Pairs
            .Select(p => p.Caption).Where(c => !string.IsNullOrWhiteSpace(c)).ToList();
        var result = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            string caption = baseCaptions[i % baseCaptions.Count];
            // about half stay short alt-text; the rest get 1..6 sentences (up to ~80 words)
            int extra = random.NextDouble() < 0.5 ? 0 : random.Next(1, 7);
            for (int s = 0; s < extra; s++) caption += " " + Sentences[random.Next(Sentences.Length)];
            result.Add(caption);
        }
        return result;
    }
}
