using System.Text.Json;
using System.Text;
using Microsoft.ML.Tokenizers;
using MoDE.Storage;
using TorchSharp;

using static TorchSharp.torch;

namespace MoDE.Tokenizer;

/// <summary>
/// The text tower's tokenizer, with CLIP's conventions, encoding through Microsoft.ML.Tokenizers' byte-level
/// <see cref="BpeTokenizer"/>: text cleaned and lower-cased (<see cref="ClipTextNormalizer"/>), split into words with
/// CLIP's pattern (<see cref="ClipPreTokenizer"/>: letter runs, single digits, punctuation runs, English contractions,
/// none longer than <see cref="ClipPreTokenizer.MaxWordLength"/> characters, but for CLIP's own vocabulary, see
/// <see cref="OpenClip"/>), each word's UTF-8 bytes merged by
/// the BPE merges with "&lt;/w&gt;" marking its end; a caption becomes [&lt;|startoftext|&gt;, pieces,
/// &lt;|endoftext|&gt;, 0 ...], <see cref="ContextLength"/> long, truncated so that end-of-text stays last.
/// <para>The vocabulary has CLIP's layout: the 256 byte symbols, the same with "&lt;/w&gt;", one token per new merged
/// symbol, then &lt;|startoftext|&gt; and &lt;|endoftext|&gt;. End-of-text therefore has the largest id, which is how
/// <see cref="Clip.EncodeText"/> finds it (as CLIP does, by argmax). There being no CLIP vocabulary to ship, a run learns
/// its merges from its own captions (<see cref="Build"/>); a CLIP vocab.json and merges.txt (Hugging Face's layout) load
/// with <see cref="FromFiles"/> or through a manifest naming them, open_clip's bpe_simple_vocab_16e6.txt.gz with
/// <see cref="FromOpenClipMerges"/>.</para>
/// On disk: a small JSON manifest (format version, context length, file names) with vocab.json (token to id) and
/// merges.txt ("#version: 0.2", then one "left right" pair a line) beside it, the files open_clip and Hugging Face use.
/// </summary>
public sealed class CaptionTokenizer
{
    /// <summary>Id of the padding after end-of-text (CLIP pads with 0).</summary>
    public const int PadId = 0;

    /// <summary>Special tokens: start and end of text. (Byte-level BPE needs no unknown token.)</summary>
    public const int SpecialTokenCount = 2;

    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";
    public const int FormatVersion = 2;

    /// <summary>Vocabulary size <see cref="Build"/> aims at when not told: 2,048 tokens (the 514 byte and special
    /// tokens plus about 1,500 merges) cover the frequent words of a caption corpus of this size while keeping the tiny
    /// models' embedding table at a quarter of a million weights.</summary>
    public const int DefaultVocabSize = 2048;

    /// <summary>File names of the vocabulary and the merges, written beside the manifest.</summary>
    public const string VocabularyFileName = "vocab.json", MergesFileName = "merges.txt";

    /// <summary>Smallest vocabulary of CLIP's layout: 512 byte symbols and the 2 special tokens.</summary>
    public const int MinimumVocabSize = 512 + SpecialTokenCount;

    const string MergesHeader = "#version: 0.2";

    readonly BpeTokenizer _bpe;
    readonly IReadOnlyList<KeyValuePair<string, int>> _vocabulary; // sorted by id
    readonly IReadOnlyList<(string Left, string Right)> _merges;

    CaptionTokenizer(int contextLength, IReadOnlyDictionary<string, int> vocabulary, IReadOnlyList<(string Left, string Right)> merges, bool openClip = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 3, nameof(contextLength));
        ContextLength = contextLength;
        _vocabulary = [.. vocabulary.OrderBy(t => t.Value)];
        for (int i = 0; i < _vocabulary.Count; i++)
            if (_vocabulary[i].Value != i) throw new InvalidDataException($"vocabulary ids must run 0..{_vocabulary.Count - 1} (id {_vocabulary[i].Value} at position {i})");
        if (!vocabulary.TryGetValue(StartOfText, out int sot) || !vocabulary.TryGetValue(EndOfText, out int eot))
            throw new InvalidDataException($"vocabulary lacks {StartOfText} or {EndOfText}");
        if (eot != _vocabulary.Count - 1)
            throw new InvalidDataException($"{EndOfText} must have the largest id ({_vocabulary.Count - 1}), it has {eot}: the text tower finds it by argmax");
        SotId = sot;
        EotId = eot;
        _merges = merges;
        OpenClip = openClip;
        _bpe = BpeTokenizer.Create(new BpeOptions(_vocabulary)
        {
            Merges = merges.Select(m => $"{m.Left} {m.Right}"),
            Normalizer = openClip ? ClipTextNormalizer.OpenClip : ClipTextNormalizer.Instance,
            PreTokenizer = openClip ? ClipPreTokenizer.Uncut : ClipPreTokenizer.Instance,
            ByteLevel = true,
            EndOfWordSuffix = BytePairEncodingTrainer.EndOfWord,
        });
    }

    /// <summary>Tokens per caption, start and end of text included (CLIP: 77; the tiny models: 32).</summary>
    public int ContextLength { get; }

    /// <summary>Size of the vocabulary: the least text-tower embedding rows that cover every id.</summary>
    public int VocabSize => _vocabulary.Count;

    /// <summary>Id of &lt;|startoftext|&gt;, first in every row.</summary>
    public int SotId { get; }

    /// <summary>Id of &lt;|endoftext|&gt;, the largest id, once in every row after the caption's pieces.</summary>
    public int EotId { get; }

    /// <summary>Whether text is cleaned and split as open_clip does (<see cref="ClipTextNormalizer.OpenClip"/>, words
    /// never cut), for CLIP's own vocabulary; otherwise as the learnt vocabularies are.</summary>
    public bool OpenClip { get; }

    /// <summary>The merges, highest priority first.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges => _merges;

    /// <summary>The token string of an id (diagnostics and tests).</summary>
    public string Token(int id) => _vocabulary[id].Key;

    /// <summary>Learns byte-level BPE merges from <paramref name="captions"/> (see <see cref="BytePairEncodingTrainer"/>)
    /// up to <paramref name="vocabSize"/> tokens, fewer if the corpus runs out of repeated pairs.</summary>
    public static CaptionTokenizer Build(IEnumerable<string> captions, int contextLength, int vocabSize = DefaultVocabSize)
    {
        ArgumentNullException.ThrowIfNull(captions);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, MinimumVocabSize, nameof(vocabSize));
        var merges = BytePairEncodingTrainer.Learn(WordCounts(captions), vocabSize - MinimumVocabSize);
        return new CaptionTokenizer(contextLength, Vocabulary(merges), merges);
    }

    /// <summary>How often each word occurs in <paramref name="captions"/>, cleaned and split as <see cref="Encode"/>
    /// does: what <see cref="Build"/> learns its merges from.</summary>
    public static Dictionary<string, long> WordCounts(IEnumerable<string> captions)
    {
        ArgumentNullException.ThrowIfNull(captions);
        var wordCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var caption in captions)
        {
            string text = ClipTextNormalizer.Instance.Normalize(caption ?? "");
            foreach (var (offset, length) in ClipPreTokenizer.Instance.PreTokenize(text))
            {
                string word = text.Substring(offset, length);
                wordCounts[word] = wordCounts.GetValueOrDefault(word) + 1;
            }
        }
        return wordCounts;
    }

    /// <summary>CLIP's vocabulary layout for <paramref name="merges"/>: byte symbols, byte symbols with "&lt;/w&gt;",
    /// each new merged symbol, start of text, end of text.</summary>
    static Dictionary<string, int> Vocabulary(IEnumerable<(string Left, string Right)> merges)
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (byte b in ByteAlphabet.Bytes) vocabulary.Add(ByteAlphabet.Char(b).ToString(), vocabulary.Count);
        foreach (byte b in ByteAlphabet.Bytes) vocabulary.Add(ByteAlphabet.Char(b) + BytePairEncodingTrainer.EndOfWord, vocabulary.Count);
        foreach (var (left, right) in merges) vocabulary.TryAdd(left + right, vocabulary.Count);
        vocabulary.Add(StartOfText, vocabulary.Count);
        vocabulary.Add(EndOfText, vocabulary.Count);
        return vocabulary;
    }

    /// <summary>A tokenizer from a vocab.json and merges.txt in open_clip's (Hugging Face's) format, e.g. CLIP's own.</summary>
    public static CaptionTokenizer FromFiles(string vocabularyPath, string mergesPath, int contextLength, bool openClip = false)
    {
        var vocabulary = JsonFile.Read<Dictionary<string, int>>(vocabularyPath);
        var merges = new List<(string, string)>();
        foreach (var line in File.ReadLines(mergesPath))
        {
            if (line.Length == 0 || line.StartsWith("#version", StringComparison.Ordinal)) continue;
            var parts = line.Split(' ');
            if (parts.Length != 2) throw new InvalidDataException($"{mergesPath}: '{line}' is not a 'left right' merge");
            merges.Add((parts[0], parts[1]));
        }
        try
        {
            return new CaptionTokenizer(contextLength, vocabulary, merges, openClip);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{vocabularyPath}: {e.Message}", e);
        }
    }

    /// <summary>Merges open_clip takes from its file (tokenizer.py: 49152 - 256 - 2), so that with the 512 byte
    /// symbols and the 2 special tokens the vocabulary has 49,408 tokens and end-of-text the id 49,407.</summary>
    public const int OpenClipMergeCount = 49152 - 256 - 2;

    /// <summary>
    /// A tokenizer from a merges file in the format of open_clip's <c>bpe_simple_vocab_16e6.txt.gz</c>: gzipped UTF-8,
    /// a first line that is skipped (a version line), then one "left right" merge a line, of which the first
    /// <paramref name="mergeCount"/> are used. The vocabulary is derived from the merges in CLIP's layout, text is cleaned
    /// and split as open_clip does (<see cref="OpenClip"/>), and <see cref="Encode"/> gives open_clip's tokenize() rows.
    /// The file is checked where open_clip would fail or silently differ: it must be gzip, every merge two symbols that
    /// the vocabulary already holds and that make a new one, and there must be <paramref name="mergeCount"/> of them;
    /// otherwise one line naming the file and the line. One deliberate difference from open_clip: its word pattern also
    /// matches the special tokens' names, so a caption holding the text "&lt;end_of_text&gt;" gets that id mid-row;
    /// here such text is encoded as the characters it is, so captions cannot place special tokens.
    /// </summary>
    public static CaptionTokenizer FromOpenClipMerges(string path, int contextLength = 77, int mergeCount = OpenClipMergeCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(mergeCount, nameof(mergeCount));
        using var file = File.OpenRead(path);
        if (file.ReadByte() != 0x1F || file.ReadByte() != 0x8B)
            throw new InvalidDataException($"{path}: not a gzip file (open_clip's merges file is gzipped text)");
        file.Position = 0;
        using var gzip = new BufferedStream(new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress));
        // Lines as open_clip cuts them (split('\n'), the first skipped), each strict UTF-8, each merge split at whitespace;
        // read only as far as the merges wanted, none longer than MaxMergeLineBytes, whatever the file inflates to.
        var utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);
        var bytes = new MemoryStream();
        int line = 0;
        string? Next()
        {
            line++;
            bytes.SetLength(0);
            int b;
            try
            {
                while ((b = gzip.ReadByte()) >= 0 && b != '\n')
                    if (bytes.Length < MaxMergeLineBytes) bytes.WriteByte((byte)b);
                    else throw new InvalidDataException($"{path}: line {line}: longer than {MaxMergeLineBytes} bytes, not a merge");
            }
            catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{path}: line {line}: damaged gzip data ({e.Message})");
            }
            if (b < 0 && bytes.Length == 0) return null;
            try { return utf8.GetString(bytes.GetBuffer(), 0, (int)bytes.Length); }
            catch (DecoderFallbackException) { throw new InvalidDataException($"{path}: line {line}: not UTF-8"); }
        }
        var merges = new List<(string, string)>(mergeCount);
        var symbols = Vocabulary([]).Keys.Where(k => k is not (StartOfText or EndOfText)).ToHashSet(StringComparer.Ordinal);
        Next(); // the version line
        while (merges.Count < mergeCount)
        {
            if (Next() is not string text)
                throw new InvalidDataException($"{path}: {merges.Count} merges, {mergeCount} wanted (line {line} is the end of the file)");
            var parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
                throw new InvalidDataException($"{path}: line {line}: '{Quote(text)}' is not a 'left right' merge");
            if (!symbols.Contains(parts[0]) || !symbols.Contains(parts[1]))
                throw new InvalidDataException($"{path}: line {line}: merge '{Quote(text)}' joins a symbol no earlier line made");
            if (!symbols.Add(parts[0] + parts[1]))
                throw new InvalidDataException($"{path}: line {line}: merge '{Quote(text)}' makes a symbol that already exists");
            merges.Add((parts[0], parts[1]));
        }
        return new CaptionTokenizer(contextLength, Vocabulary(merges), merges, openClip: true);
    }

    /// <summary>Longest line of a merges file, in bytes: CLIP's longest merged symbol has 32 characters of at most two
    /// UTF-8 bytes each.</summary>
    const int MaxMergeLineBytes = 1024;

    /// <summary>A line as an error message quotes it: at most 40 characters.</summary>
    static string Quote(string line) => line.Length <= 40 ? line : line[..40] + "...";

    /// <summary>The caption's BPE ids, without start and end of text, untruncated.</summary>
    public IReadOnlyList<int> Pieces(string caption)
    {
        ArgumentNullException.ThrowIfNull(caption);
        return _bpe.EncodeToIds(caption);
    }

    /// <summary>[sot, pieces (truncated to ContextLength - 2), eot, pad 0 ...], ContextLength long. BPE stops at the word
    /// that fills the row, so the merging work of a long caption is that of its first words.</summary>
    public long[] Encode(string caption)
    {
        ArgumentNullException.ThrowIfNull(caption);
        var pieces = _bpe.EncodeToIds(caption, ContextLength - 2, out _, out _);
        int n = Math.Min(pieces.Count, ContextLength - 2);
        var tokens = new long[ContextLength];
        tokens[0] = SotId;
        for (int i = 0; i < n; i++) tokens[i + 1] = pieces[i];
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

    /// <summary>The manifest: vocabulary and merges file paths, relative to the manifest's folder or absolute.</summary>
    record Manifest(int FormatVersion, int ContextLength, string Vocabulary, string Merges, bool OpenClip = false);

    /// <summary>Writes vocab.json and merges.txt into the folder of <paramref name="path"/>, then the manifest at
    /// <paramref name="path"/> (each atomically, the manifest last).</summary>
    public void Save(string path)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, VocabularyFileName),
            JsonSerializer.Serialize(_vocabulary.ToDictionary(t => t.Key, t => t.Value), new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        var merges = new StringBuilder(MergesHeader).Append('\n');
        foreach (var (left, right) in _merges) merges.Append(left).Append(' ').Append(right).Append('\n');
        AtomicFile.WriteAllText(Path.Combine(folder, MergesFileName), merges.ToString());
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new Manifest(FormatVersion, ContextLength, VocabularyFileName, MergesFileName, OpenClip)));
    }

    /// <summary>Reads a tokenizer written by <see cref="Save"/>, or any manifest naming a vocab.json and merges.txt
    /// (open_clip's, for one).</summary>
    public static CaptionTokenizer Load(string path)
    {
        var manifest = JsonFile.Read<Manifest>(path);
        if (manifest.FormatVersion != FormatVersion)
            throw new InvalidDataException($"{path}: tokenizer format version {manifest.FormatVersion}, this build reads {FormatVersion}");
        if (string.IsNullOrEmpty(manifest.Vocabulary) || string.IsNullOrEmpty(manifest.Merges))
            throw new InvalidDataException($"{path}: the manifest names no vocabulary or merges file");
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return FromFiles(Path.Combine(folder, manifest.Vocabulary), Path.Combine(folder, manifest.Merges), manifest.ContextLength, manifest.OpenClip);
    }
}
