namespace MoDE.Data;

/// <summary>
/// One image-caption pair. <paramref name="Id"/> is stable and used by every later stage. The built-in
/// dataset also records its ground truth (visual domain, class, and whether the caption is noise), which
/// only reports use; the method itself never reads it.
/// </summary>
public sealed record Pair(string Id, string Caption, string? Domain = null, string? Label = null, bool Noisy = false);
