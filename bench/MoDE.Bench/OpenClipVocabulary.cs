using MoDE.Tokenizer;

namespace MoDE.Bench;

/// <summary>
/// CLIP's own merges file (open_clip's bpe_simple_vocab_16e6.txt.gz, 1.3 MB, not in the repository and not reachable
/// from the test machines, so this check is a command rather than a test): loads it and compares the ids of a set of
/// captions with those open_clip's SimpleTokenizer.encode gives for them (captions that ftfy leaves as they are).
/// Prints each caption's result and exits non-zero on any difference.
/// </summary>
static class OpenClipVocabulary
{
    static readonly (string Caption, long[] Ids)[] Expected =
    [
        ("A photo of a CAT.", [320, 1125, 539, 320, 2368, 269]),
        ("fish &amp;amp; chips", [2759, 261, 8855]),
        ("naïve café 2024", [1097, 35689, 563, 15304, 273, 271, 273, 275]),
        ("a dog's  toy\u001Cball", [320, 1929, 568, 5988, 1069]),
        ("İstanbul", [328, 16384, 11231]),
        ("don't!!! ?", [847, 713, 995, 286]),
        ("日本語のテキスト", [39121, 44353, 34002, 252, 21575, 2429, 228, 47121, 32421, 486]),
        (string.Concat(Enumerable.Repeat("hello", 60)), [.. Enumerable.Repeat(12887L, 59), 3306]),
    ];

    public static int Run(string path)
    {
        var tokenizer = CaptionTokenizer.FromOpenClipMerges(path);
        int wrong = 0;
        void Check(string what, long[] expected, long[] actual)
        {
            bool same = expected.SequenceEqual(actual);
            if (!same) wrong++;
            Console.WriteLine($"openclip-vocab: {(same ? "same" : "DIFFERENT")} {what}{(same ? "" : $": expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]")}");
        }
        Check("vocabulary size, start and end ids", [49408, 49406, 49407], [tokenizer.VocabSize, tokenizer.SotId, tokenizer.EotId]);
        Check("row of \"a diagram\"", [49406, 320, 22697, 49407, .. new long[73]], tokenizer.Encode("a diagram"));
        foreach (var (caption, ids) in Expected)
            Check($"pieces of \"{(caption.Length > 40 ? caption[..40] + "..." : caption)}\"", ids, [.. tokenizer.Pieces(caption).Select(i => (long)i)]);
        Check("row of \"a photo \" x 50 (cut, end token kept last)",
            [49406, .. Enumerable.Range(0, 75).Select(i => i % 2 == 0 ? 320L : 1125L), 49407], tokenizer.Encode(string.Concat(Enumerable.Repeat("a photo ", 50))));
        Console.WriteLine($"openclip-vocab: {Expected.Length + 3 - wrong} of {Expected.Length + 3} as open_clip");
        return wrong == 0 ? 0 : 1;
    }

    /// <summary>The open_clip tokenize() rows of every caption of <paramref name="captionsPath"/> (one JSON string a line)
    /// as an int32 .npy [captions, 77]: bench/open_clip_check.py compares them with open_clip's own tokenizer.</summary>
    public static int Rows(string mergesPath, string captionsPath, string outPath)
    {
        var tokenizer = CaptionTokenizer.FromOpenClipMerges(mergesPath);
        var captions = Captions(captionsPath);
        var rows = tokenizer.Encode(captions);
        using var file = File.Create(outPath);
        MoDE.Storage.Npy.WriteHeader(file, "<i4", $"({rows.Length}, {tokenizer.ContextLength})");
        foreach (var row in rows)
            foreach (long id in row) file.Write(BitConverter.GetBytes((int)id));
        Console.WriteLine($"openclip-rows: {rows.Length:N0} captions -> {outPath}");
        return 0;
    }

    /// <summary>The captions of a file of one JSON string a line, as bench/open_clip_check.py writes them.</summary>
    public static List<string> Captions(string path) =>
        File.ReadLines(path).Select(line => System.Text.Json.JsonSerializer.Deserialize<string>(line)!).ToList();
}
