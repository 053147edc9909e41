namespace MoDE.Embed;

/// <summary>Caption text as the encoder takes it: lone UTF-16 surrogates (invalid Unicode) become U+FFFD.</summary>
public static class CaptionText
{
    /// <summary>The caption with every lone surrogate replaced by U+FFFD; <paramref name="replaced"/> counts them.</summary>
    public static string ReplaceInvalid(string caption, out int replaced)
    {
        replaced = 0;
        char[]? copy = null;
        for (int i = 0; i < caption.Length; i++)
        {
            char c = caption[i];
            if (char.IsHighSurrogate(c) && i + 1 < caption.Length && char.IsLowSurrogate(caption[i + 1])) { i++; continue; }
            if (!char.IsSurrogate(c)) continue;
            copy ??= caption.ToCharArray();
            copy[i] = '\uFFFD';
            replaced++;
        }
        return copy is null ? caption : new string(copy);
    }
}
