using System.Text.Json;
using Microsoft.AspNetCore.Http;
using MoDE.Route;

namespace MoDE.Cli.Serve;

/// <summary>
/// One <c>POST /v1/classify</c>, read from either body and checked against <see cref="ServeOptions"/> before any image
/// is decoded. multipart/form-data: image files (any field name), <c>classes</c> (comma-separated, or one field per
/// name), optional <c>templates</c> (a shipped set's name, or one field per template with "{}"), <c>top</c> and
/// <c>routing</c>. application/json: <c>{"images": [base64, ...], "classes": [...] or "a,b", "templates": "imagenet" or
/// [...], "top": 5, "routing": "code"}</c>. Every problem is a <see cref="RefusedRequest"/> naming the field.
/// </summary>
public sealed record ClassifyRequest(IReadOnlyList<(string Name, byte[] Bytes)> Images, IReadOnlyList<string> Classes,
                                     IReadOnlyList<string>? Templates, int? Top, RoutingOptions? Routing)
{
    const string ClassesField = "classes", TemplatesField = "templates", TopField = "top", RoutingField = "routing", ImagesField = "images";
    static readonly string[] Fields = [ImagesField, ClassesField, TemplatesField, TopField, RoutingField];

    public static async Task<ClassifyRequest> Read(HttpRequest http, ServeOptions options, CancellationToken cancel)
    {
        ClassifyRequest request;
        if (http.HasFormContentType) request = await ReadForm(http, options, cancel);
        else if (http.HasJsonContentType()) request = await ReadJson(http, options, cancel);
        else throw new RefusedRequest(StatusCodes.Status415UnsupportedMediaType, "Content-Type",
            $"'{http.ContentType}' is neither multipart/form-data (image files) nor application/json (base64 images)");
        return request.Checked(options);
    }

    static async Task<ClassifyRequest> ReadForm(HttpRequest http, ServeOptions options, CancellationToken cancel)
    {
        var form = await http.ReadFormAsync(cancel);
        if (form.Keys.FirstOrDefault(k => !Fields.Contains(k)) is { } unknown) throw Unknown(unknown);
        if (form.ContainsKey(ImagesField)) throw NotA(ImagesField, "image files (multipart file parts), not text");
        if (form.Files.Count > options.MaxImages) throw TooManyImages(form.Files.Count, options);
        var images = new List<(string, byte[])>();
        foreach (var file in form.Files)
        {
            string name = $"{ImagesField}[{images.Count}]";
            if (file.Length > options.MaxImageBytes) throw TooLarge(name, file.Length, options);
            using var bytes = new MemoryStream((int)file.Length);
            await file.CopyToAsync(bytes, cancel);
            images.Add((name, bytes.ToArray()));
        }
        var classes = form.TryGetValue(ClassesField, out var given) ? given.SelectMany(v => (v ?? "").Split(',')).Select(n => n.Trim()).ToList() : null;
        var templates = form.TryGetValue(TemplatesField, out var t) ? t.Select(v => v ?? "").ToList() : null;
        int? top = null;
        if (form.TryGetValue(TopField, out var k))
            top = int.TryParse(k.ToString(), out int parsed) ? parsed : throw new RefusedRequest(StatusCodes.Status400BadRequest, TopField, $"'{k}' is not a whole number");
        return new ClassifyRequest(images, classes ?? throw Missing(ClassesField), TemplatesOf(templates), top,
            form.TryGetValue(RoutingField, out var r) ? RoutingOf(r.ToString()) : null);
    }

    static async Task<ClassifyRequest> ReadJson(HttpRequest http, ServeOptions options, CancellationToken cancel)
    {
        JsonDocument document;
        try { document = await JsonDocument.ParseAsync(http.Body, default, cancel); }
        catch (JsonException e) { throw new RefusedRequest(StatusCodes.Status400BadRequest, "body", $"not JSON ({e.Message})"); }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new RefusedRequest(StatusCodes.Status400BadRequest, "body", "the body must be a JSON object");
            foreach (var property in root.EnumerateObject())
                if (!Fields.Contains(property.Name)) throw Unknown(property.Name);
            if (!root.TryGetProperty(ImagesField, out var imagesJson)) throw Missing(ImagesField);
            if (imagesJson.ValueKind != JsonValueKind.Array) throw NotA(ImagesField, "a list of base64 strings");
            if (imagesJson.GetArrayLength() > options.MaxImages) throw TooManyImages(imagesJson.GetArrayLength(), options);
            var images = new List<(string, byte[])>();
            foreach (var item in imagesJson.EnumerateArray())
            {
                string name = $"{ImagesField}[{images.Count}]";
                if (item.ValueKind != JsonValueKind.String) throw NotA(name, "a base64 string");
                string base64 = item.GetString()!;
                if (base64.Length / 4L * 3 > options.MaxImageBytes) throw TooLarge(name, base64.Length / 4L * 3, options);
                var bytes = new byte[base64.Length / 4 * 3 + 3];
                if (!Convert.TryFromBase64String(base64, bytes, out int written)) throw NotA(name, "base64");
                images.Add((name, bytes[..written]));
            }
            if (!root.TryGetProperty(ClassesField, out var classesJson)) throw Missing(ClassesField);
            var classes = classesJson.ValueKind switch
            {
                JsonValueKind.String => classesJson.GetString()!.Split(',').Select(n => n.Trim()).ToList(),
                JsonValueKind.Array when classesJson.EnumerateArray().All(c => c.ValueKind == JsonValueKind.String) => classesJson.EnumerateArray().Select(c => c.GetString()!.Trim()).ToList(),
                _ => throw NotA(ClassesField, "a list of strings or one comma-separated string"),
            };
            List<string>? templates = null;
            if (root.TryGetProperty(TemplatesField, out var templatesJson))
                templates = templatesJson.ValueKind switch
                {
                    JsonValueKind.String => [templatesJson.GetString()!],
                    JsonValueKind.Array when templatesJson.EnumerateArray().All(c => c.ValueKind == JsonValueKind.String) => [.. templatesJson.EnumerateArray().Select(c => c.GetString()!)],
                    _ => throw NotA(TemplatesField, "a template set's name or a list of templates with {}"),
                };
            int? top = null;
            if (root.TryGetProperty(TopField, out var topJson))
                top = topJson.ValueKind == JsonValueKind.Number && topJson.TryGetInt32(out int k) ? k : throw NotA(TopField, "a whole number");
            RoutingOptions? routing = null;
            if (root.TryGetProperty(RoutingField, out var routingJson))
                routing = routingJson.ValueKind == JsonValueKind.String ? RoutingOf(routingJson.GetString()!) : throw NotA(RoutingField, "a string");
            return new ClassifyRequest(images, classes, TemplatesOf(templates), top, routing);
        }
    }

    /// <summary>The limits and the class list checked as <see cref="ClassPrompts"/> will check them, before any image is decoded.</summary>
    ClassifyRequest Checked(ServeOptions options)
    {
        if (Images.Count == 0) throw new RefusedRequest(StatusCodes.Status400BadRequest, ImagesField, "no image; send at least one");
        if (Classes.Count == 0 || Classes.All(c => c.Length == 0)) throw new RefusedRequest(StatusCodes.Status400BadRequest, ClassesField, "no class names");
        if (Classes.Count > options.MaxClasses)
            throw new RefusedRequest(StatusCodes.Status400BadRequest, ClassesField, $"{Classes.Count} class names, at most {options.MaxClasses} per request");
        for (int c = 0; c < Classes.Count; c++)
        {
            if (Classes[c].Length == 0) throw new RefusedRequest(StatusCodes.Status400BadRequest, $"{ClassesField}[{c}]", "an empty class name");
            if (Classes[c].Length > options.MaxTextLength)
                throw new RefusedRequest(StatusCodes.Status400BadRequest, $"{ClassesField}[{c}]", $"{Classes[c].Length} characters, at most {options.MaxTextLength}");
        }
        if (Templates is { } templates)
        {
            if (templates.Count > options.MaxTemplates)
                throw new RefusedRequest(StatusCodes.Status400BadRequest, TemplatesField, $"{templates.Count} templates, at most {options.MaxTemplates} per request");
            if (templates.FirstOrDefault(t => t.Length > options.MaxTextLength) is { } longest)
                throw new RefusedRequest(StatusCodes.Status400BadRequest, TemplatesField, $"a template of {longest.Length} characters, at most {options.MaxTextLength}");
        }
        if (Top is < 1) throw new RefusedRequest(StatusCodes.Status400BadRequest, TopField, $"{Top} classes; ask for at least 1");
        try { _ = new ClassPrompts(Classes, Templates ?? ["{}"]); }
        catch (ArgumentException e) { throw new RefusedRequest(StatusCodes.Status400BadRequest, e.ParamName ?? ClassesField, e.Message.Replace($" (Parameter '{e.ParamName}')", "")); }
        return this;
    }

    /// <summary>A shipped set's name as its templates; templates with "{}" as they are.</summary>
    static IReadOnlyList<string>? TemplatesOf(List<string>? given)
    {
        if (given is not [string one] || one.Contains("{}")) return given;
        return PromptTemplates.Names.Contains(one) ? PromptTemplates.Get(one)
            : throw new RefusedRequest(StatusCodes.Status400BadRequest, TemplatesField, $"'{one}' is neither a template with {{}} nor a template set ({string.Join(", ", PromptTemplates.Names)})");
    }

    static RoutingOptions RoutingOf(string text)
    {
        try { return RoutingOptions.Parse(text); }
        catch (ArgumentException) { throw new RefusedRequest(StatusCodes.Status400BadRequest, RoutingField, $"unknown routing '{text}' (code, paper or calibrated, optionally with coarse)"); }
    }

    static RefusedRequest Missing(string field) => new(StatusCodes.Status400BadRequest, field, "missing");
    static RefusedRequest Unknown(string field) => new(StatusCodes.Status400BadRequest, field, $"unknown field (known: {string.Join(", ", Fields)})");
    static RefusedRequest NotA(string field, string what) => new(StatusCodes.Status400BadRequest, field, $"must be {what}");
    static RefusedRequest TooManyImages(int count, ServeOptions options) =>
        new(StatusCodes.Status400BadRequest, ImagesField, $"{count} images, at most {options.MaxImages} per request");
    static RefusedRequest TooLarge(string field, long bytes, ServeOptions options) =>
        new(StatusCodes.Status413PayloadTooLarge, field, $"{bytes} bytes, at most {options.MaxImageBytes} per image");
}
