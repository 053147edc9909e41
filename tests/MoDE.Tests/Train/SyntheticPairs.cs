using MoDE.Data;
using MoDE.Model;
using MoDE.Tokenizer;
using MoDE.Train;

namespace MoDE.Tests.Train;

/// <summary>Solid-colour noisy images whose caption names the colour: learnable in a few dozen steps.</summary>
static class SyntheticPairs
{
    static readonly (string Name, byte R, byte G, byte B)[] Colours =
    [
        ("red", 220, 30, 30), ("green", 30, 200, 40), ("blue", 30, 40, 220), ("yellow", 230, 220, 40),
        ("purple", 140, 40, 180), ("orange", 240, 140, 20), ("black", 10, 10, 10), ("white", 245, 245, 245),
    ];

    public static (ImageSet Images, string[] Captions) Create(int count, int size = 32, int seed = 7)
    {
        var random = new Random(seed);
        var pixels = new byte[count * size * size * 3];
        var captions = new string[count];
        for (int i = 0; i < count; i++)
        {
            var colour = Colours[i % Colours.Length];
            captions[i] = $"a photo of a {colour.Name} square";
            for (int p = 0; p < size * size; p++)
            {
                int o = (i * size * size + p) * 3;
                pixels[o] = Jitter(colour.R, random);
                pixels[o + 1] = Jitter(colour.G, random);
                pixels[o + 2] = Jitter(colour.B, random);
            }
        }
        return (new ImageSet(count, size, size, pixels), captions);
    }

    static byte Jitter(byte value, Random random) => (byte)Math.Clamp(value + random.Next(-20, 21), 0, 255);

    public static (TrainingData Data, CaptionTokenizer Tokenizer) Data(int count)
    {
        var (images, captions) = Create(count);
        var tokenizer = CaptionTokenizer.Build(captions, contextLength: 16);
        return (TrainingData.All(images, tokenizer.Encode(captions)), tokenizer);
    }

    /// <summary>Tiny but smaller still, so the tests run in seconds.</summary>
    public static ClipConfig Config(int vocabSize) => ClipConfig.Tiny(vocabSize) with
    {
        EmbedDim = 32,
        Vision = new ClipVisionConfig(ImageSize: 32, Kind: ClipVisionConfig.Cnn, Width: 16, Layers: 3),
        Text = new ClipTextConfig(ContextLength: 16, VocabSize: vocabSize, Width: 32, Layers: 1, Heads: 2),
    };
}
