namespace MoDE.Tokenizer;

/// <summary>
/// The byte-level BPE alphabet of GPT-2 and CLIP: each of the 256 byte values stands for one printable character, so
/// a token is a string and no byte is ever unknown. Bytes that are printable in Latin-1 ('!'..'~', '¡'..'¬', '®'..'ÿ')
/// stand for themselves; the other 68 take the characters from U+0100 on, in byte order. <see cref="Bytes"/> lists the
/// bytes in CLIP's vocabulary order: the printable ones first, then the rest.
/// </summary>
public static class ByteAlphabet
{
    static readonly char[] CharOf = new char[256];

    /// <summary>Byte values in vocabulary order (the first 256 token ids).</summary>
    public static IReadOnlyList<byte> Bytes { get; }

    static ByteAlphabet()
    {
        static bool Printable(int b) => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
        var order = new List<byte>(256);
        for (int b = 0; b < 256; b++) if (Printable(b)) { order.Add((byte)b); CharOf[b] = (char)b; }
        int next = 256;
        for (int b = 0; b < 256; b++) if (!Printable(b)) { order.Add((byte)b); CharOf[b] = (char)next++; }
        Bytes = order;
    }

    /// <summary>The character standing for byte <paramref name="b"/>.</summary>
    public static char Char(byte b) => CharOf[b];

    /// <summary>The UTF-8 bytes of <paramref name="text"/>, one alphabet character each.</summary>
    public static string Encode(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = CharOf[bytes[i]];
        return new string(chars);
    }
}
