using System.Text.Json;
using Microsoft.ML.Tokenizers;
using MoDE.Run;
using TorchSharp;
using static TorchSharp.torch;

namespace MoDE.Train;

/// <summary>
/// The text tower's tokenizer: uncased WordPiece (the vocabulary shipped with all-MiniLM-L6-v2) whose ids are remapped
/// to a compact vocabulary holding only the word pieces seen in a training corpus, so the embedding table stays small.
/// Compact ids: 0 pad, 1 start of text, 2 end of text, 3 unknown (a piece not seen when built), then the seen pieces
/// in ascending WordPiece id order.
/// </summary>
public sealed class CaptionTokenizer
{
    public const int PadId = 0;
    public const int SotId = 1;
    public const int EotId = 2;
    public const int UnkId = 3;
    public const int SpecialTokenCount = 4;
    public const int FormatVersion = 1;

    static readonly Lazy<BertTokenizer> WordPiece = new(() =>
    {
        using var vocab = MoDE.Embed.CaptionEncoder.MiniLMVocabulary();
        return BertTokenizer.Create(vocab, new BertOptions { LowerCaseBeforeTokenization = true });
    });

    readonly int[] _wordPieceIds;                  // compact id - SpecialTokenCount -> WordPiece id
    readonly Dictionary<int, int> _compactIds;     // WordPiece id -> compact id

    CaptionTokenizer(int contextLength, int[] wordPieceIds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 3, nameof(contextLength));
        ContextLength = contextLength;
        _wordPieceIds = wordPieceIds;
        _compactIds = new Dictionary<int, int>(wordPieceIds.Length);
        for (int i = 0; i < wordPieceIds.Length; i++)
            if (!_compactIds.TryAdd(wordPieceIds[i], SpecialTokenCount + i))
                throw new ArgumentException($"WordPiece id {wordPieceIds[i]} listed twice", nameof(wordPieceIds));
    }

    /// <summary>Tokens per caption, start and end of text included (CLIP: 77; the tiny model: 32).</summary>
    public int ContextLength { get; }

    /// <summary>Size of the compact vocabulary: the text tower's embedding table rows.</summary>
    public int VocabSize => SpecialTokenCount + _wordPieceIds.Length;

    /// <summary>Builds the compact vocabulary from every word piece of the training captions.</summary>
    public static CaptionTokenizer Build(IEnumerable<string> captions, int contextLength)
    {
        ArgumentNullException.ThrowIfNull(captions);
        var seen = new HashSet<int>();
        foreach (var caption in captions)
            seen.UnionWith(WordPiece.Value.EncodeToIds(caption ?? "", addSpecialTokens: false));
        var ids = seen.ToArray();
        Array.Sort(ids);
        return new CaptionTokenizer(contextLength, ids);
    }

    /// <summary>[sot, pieces (truncated to ContextLength - 2), eot, pad 0 ...], ContextLength long.</summary>
    public long[] Encode(string caption)
    {
        ArgumentNullException.ThrowIfNull(caption);
        var pieces = WordPiece.Value.EncodeToIds(caption, addSpecialTokens: false);
        int n = Math.Min(pieces.Count, ContextLength - 2);
        var tokens = new long[ContextLength];
        tokens[0] = SotId;
        for (int i = 0; i < n; i++)
            tokens[i + 1] = _compactIds.TryGetValue(pieces[i], out int id) ? id : UnkId;
        tokens[n + 1] = EotId;
        return tokens;
    }

    public long[][] Encode(IReadOnlyList<string> captions)
    {
        ArgumentNullException.ThrowIfNull(captions);
        var tokens = new long[captions.Count][];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = Encode(captions[i]);
        return tokens;
    }

    /// <summary>The captions as an int64 tensor [B, ContextLength].</summary>
    public Tensor EncodeBatch(IReadOnlyList<string> captions) => ToTensor(Encode(captions), Enumerable.Range(0, captions.Count).ToArray());

    /// <summary>Rows of already encoded captions as an int64 tensor [rows, L].</summary>
    public static Tensor ToTensor(long[][] tokens, ReadOnlySpan<int> rows)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        int length = rows.Length == 0 ? 0 : tokens[rows[0]].Length;
        var flat = new long[rows.Length * length];
        for (int i = 0; i < rows.Length; i++)
        {
            var row = tokens[rows[i]];
            if (row.Length != length) throw new ArgumentException($"token row {rows[i]} has {row.Length} tokens, expected {length}", nameof(tokens));
            row.CopyTo(flat, i * length);
        }
        return torch.tensor(flat, [rows.Length, length], ScalarType.Int64);
    }

    record Stored(int FormatVersion, int ContextLength, int[] WordPieceIds);

    /// <summary>Writes the compact vocabulary as JSON (atomically).</summary>
    public void Save(string path) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new Stored(FormatVersion, ContextLength, _wordPieceIds)));

    public static CaptionTokenizer Load(string path)
    {
        var stored = JsonSerializer.Deserialize<Stored>(File.ReadAllText(path))
            ?? throw new InvalidDataException($"{path}: empty tokenizer file");
        if (stored.FormatVersion != FormatVersion)
            throw new InvalidDataException($"{path}: tokenizer format version {stored.FormatVersion}, this build reads {FormatVersion}");
        return new CaptionTokenizer(stored.ContextLength, stored.WordPieceIds ?? []);
    }
}
