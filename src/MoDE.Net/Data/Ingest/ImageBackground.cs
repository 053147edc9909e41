using System.Text.Json.Serialization;

namespace MoDE.Data.Ingest;

/// <summary>
/// What transparent pixels become when an image with alpha is flattened to RGB. White, as a web page shows
/// clip art and product photos; black suits images drawn light on dark.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<ImageBackground>))]
public enum ImageBackground { White, Black }
