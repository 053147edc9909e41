namespace MoDE.Tests;

/// <summary>
/// The DejaVu fonts the synthetic web draws its letters and digits with (and the report plots their text), from
/// fonts-dejavu-core and fonts-dejavu-extra, installed with apt when missing. Tests that generate the synthetic web
/// take this fixture: the fonts must be in place before the first image is drawn, since the typefaces are loaded once
/// per process. Throws with apt's message when the install fails, failing those tests.
/// </summary>
public sealed class DejaVuFonts
{
    const string Folder = "/usr/share/fonts/truetype/dejavu";

    /// <summary>One file of each package; without the extra variants the synthetic web draws with fewer typefaces.</summary>
    static readonly string[] Files = [Path.Combine(Folder, "DejaVuSans.ttf"), Path.Combine(Folder, "DejaVuSans-ExtraLight.ttf")];

    static readonly Lazy<bool> Installed = new(() =>
    {
        if (!Files.All(File.Exists)) Apt.Install("fonts-dejavu-core", "fonts-dejavu-extra");
        return Files.All(File.Exists) ? true : throw new InvalidOperationException($"apt installed the DejaVu fonts but {string.Join(" or ", Files.Where(f => !File.Exists(f)))} is still missing");
    });

    public DejaVuFonts() => Require();

    /// <summary>Installs the fonts once per test process if they are missing; for fixtures, which cannot take this one.</summary>
    public static void Require() => _ = Installed.Value;
}
