using System.Text.Json.Serialization;
using System.Text.Json;

namespace MoDE.Embed;

/// <summary>
/// The options file (<c>encoder.json</c>) of an encoder folder, beside <c>model.onnx</c> and <c>vocab.txt</c>.
/// Example: <c>{"pooling": "pooler", "max_tokens": 128, "lower_case": false}</c>.
/// </summary>
public sealed record EncoderFolderOptions
{
    public const string FileName = "encoder.json";

    /// <summary>Mean (over the attention mask), Cls or Pooler. Default Mean.</summary>
    [JsonPropertyName("pooling")]
    [JsonConverter(typeof(JsonStringEnumConverter<Pooling>))]
    public Pooling Pooling { get; init; } = Pooling.Mean;

    /// <summary>Tokens per caption, [CLS] and [SEP] included; longer captions are truncated. Default 256.</summary>
    [JsonPropertyName("max_tokens")]
    public int MaxTokens { get; init; } = 256;

    /// <summary>Lower-case before WordPiece (uncased vocabularies). Default true.</summary>
    [JsonPropertyName("lower_case")]
    public bool LowerCase { get; init; } = true;

    public void Validate() => ArgumentOutOfRangeException.ThrowIfLessThan(MaxTokens, 3, nameof(MaxTokens));

    public static EncoderFolderOptions Read(string path)
    {
        var options = Storage.JsonFile.Read<EncoderFolderOptions>(path,
            new JsonSerializerOptions { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip });
        options.Validate();
        return options;
    }

    public void Write(string path) =>
        Storage.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }));
}
