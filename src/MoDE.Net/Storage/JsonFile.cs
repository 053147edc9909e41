using System.Text.Json;

namespace MoDE.Storage;

/// <summary>
/// Reads a JSON file that a run wrote (a report, a summary, a manifest) as a record, so that a damaged one is one
/// <see cref="InvalidDataException"/> naming the file and the reason: malformed JSON, a null document, a value of the
/// wrong type, or a field the record needs that is missing or null (System.Text.Json's
/// <see cref="JsonSerializerOptions.RespectNullableAnnotations"/> and
/// <see cref="JsonSerializerOptions.RespectRequiredConstructorParameters"/>).
/// </summary>
public static class JsonFile
{
    public static T Read<T>(string path, JsonSerializerOptions? options = null) where T : class
    {
        var strict = new JsonSerializerOptions(options ?? JsonSerializerOptions.Default)
        {
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
        };
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), strict)
                ?? throw new InvalidDataException($"{path}: holds null, not a {typeof(T).Name}");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: not a valid {typeof(T).Name}: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }
}
