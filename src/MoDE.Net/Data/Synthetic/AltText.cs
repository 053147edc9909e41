using System.Text.RegularExpressions;

namespace MoDE.Data.Synthetic;

/// <summary>
/// What makes a caption look like web alt-text: casing, site boilerplate around it, and the noise that replaces it
/// (file names, "click to enlarge").
/// </summary>
internal static partial class AltText
{
    static readonly string[] Suffixes =
        [" - stock image", " | free download", " (royalty free)", " #design", " HD", " - high resolution", " | Shutterstock", " jpg"];

    static readonly string[] Prefixes = ["Image: ", "Photo: ", "Picture of ", "Download ", "Free "];

    static readonly string[] Boilerplate =
    [
        "click to enlarge", "image", "untitled", "thumbnail", "photo", "no description available", "placeholder",
        "view full size", "loading...", "banner", "spacer.gif", "logo", "image not found", "see more", "untitled design",
        "Thumbnail image", "product image", "[image]", "pic", "default.png",
    ];

    /// <summary>Collapses spaces, fixes "a" before vowels, adds web decoration now and then.</summary>
    public static string Finish(string caption, Random rng)
    {
        caption = Tidy(caption);
        double r = rng.NextDouble();
        if (r < 0.10) caption += rng.Pick(Suffixes);
        else if (r < 0.15) caption = rng.Pick(Prefixes) + caption;
        r = rng.NextDouble();
        if (r < 0.30) caption = char.ToUpperInvariant(caption[0]) + caption[1..];
        else if (r < 0.33) caption = caption.ToUpperInvariant();
        return caption;
    }

    /// <summary>Collapses repeated spaces, removes spaces before punctuation, and writes "an" for "a" before a lower-case vowel.</summary>
    public static string Tidy(string caption)
    {
        caption = Spaces().Replace(caption, " ").Trim();
        caption = SpaceBeforePunctuation().Replace(caption, "$1");
        caption = ArticleBeforeVowel().Replace(caption, "$1n ");
        return caption;
    }

    /// <summary>A caption that says nothing about the image: a camera file name or page boilerplate.</summary>
    public static string Noise(Random rng) => rng.Next(4) switch
    {
        0 => $"IMG_{rng.Next(1, 10000):D4}.{rng.Pick(["jpg", "JPG", "jpeg", "png"])}",
        1 => $"DSC{rng.Next(0, 100000):D5}.{rng.Pick(["JPG", "jpg"])}",
        2 => rng.Pick<string>([
            $"image{rng.Next(1, 200)}.png", $"photo_{2010 + rng.Next(15)}-{rng.Next(1, 13):D2}-{rng.Next(1, 29):D2}.jpeg",
            $"Screenshot {2015 + rng.Next(10)}-{rng.Next(1, 13):D2}-{rng.Next(1, 29):D2}.png", $"file_{rng.Next(100000, 999999)}",
            $"{rng.Next(100, 9999)}x{rng.Next(100, 9999)}.jpg"]),
        _ => rng.Pick(Boilerplate),
    };

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"\s+([,.:;!?)])")]
    private static partial Regex SpaceBeforePunctuation();

    [GeneratedRegex(@"\b(a) (?=[aeiou])")]
    private static partial Regex ArticleBeforeVowel();
}
