using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace MoDE.Storage;

/// <summary>
/// A <c>.safetensors</c> file, the format of Hugging Face's safetensors (its README, "Format"): an 8-byte little-endian
/// unsigned header length N, N bytes of UTF-8 JSON mapping each tensor's name to <c>{"dtype", "shape",
/// "data_offsets": [begin, end]}</c> (offsets into the byte buffer that follows) plus an optional
/// <c>"__metadata__"</c> object of strings, then the buffer of raw little-endian, row-major tensor data.
/// <see cref="Open"/> checks all of it before any data is read, as the safetensors library does: the header lies
/// within the file and is at most 100,000,000 bytes, each dtype is known, each tensor's byte range matches its shape
/// and dtype, and the ranges tile the buffer from 0 to its end with no gap or overlap. Every way a file can be wrong
/// is one <see cref="InvalidDataException"/> line naming the file and, where there is one, the tensor.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>One tensor of the header; <see cref="Begin"/> and <see cref="End"/> are offsets into the data buffer.</summary>
    public sealed record Entry(string Name, string Dtype, long[] Shape)
    {
        public long Begin { get; init; }
        public long End { get; init; }

        /// <summary>Bytes of data its dtype and shape call for, or -1 past <see cref="long.MaxValue"/>.</summary>
        public long ExpectedBytes => DtypeSize(Dtype) is int size && size > 0 ? CheckedProduct(Shape, size) : -1;
    }

    /// <summary>The safetensors library's limit on a header's size.</summary>
    const long MaxHeaderBytes = 100_000_000;
    const string MetadataKey = "__metadata__";

    readonly FileStream stream;
    readonly long dataStart;

    SafetensorsFile(string path, FileStream stream, long dataStart, IReadOnlyList<Entry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        this.stream = stream;
        this.dataStart = dataStart;
        Entries = entries;
        Metadata = metadata;
    }

    public string Path { get; }

    /// <summary>The tensors, in the order of their data in the file.</summary>
    public IReadOnlyList<Entry> Entries { get; }

    /// <summary>The header's <c>__metadata__</c> (empty when it has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Bytes per element of a safetensors dtype, or 0 for one this class does not know.</summary>
    public static int DtypeSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => 0,
    };

    /// <summary>Writes <paramref name="entries"/> in order, the data of each from <paramref name="data"/> (exactly its
    /// <see cref="Entry.ExpectedBytes"/>), atomically (<see cref="AtomicFile"/>). The header is padded with spaces to a
    /// multiple of 8 bytes, as the safetensors library does, so every tensor's data starts 8-byte aligned.</summary>
    public static void Write(string path, IReadOnlyList<Entry> entries, Func<Entry, byte[]> data, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(data);
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header[MetadataKey] = metadata;
        long offset = 0;
        foreach (var entry in entries)
        {
            if (entry.ExpectedBytes < 0) throw new ArgumentException($"tensor '{entry.Name}': unknown dtype '{entry.Dtype}' or shape [{string.Join(", ", entry.Shape)}]", nameof(entries));
            if (entry.Name == MetadataKey || !header.TryAdd(entry.Name, new { dtype = entry.Dtype, shape = entry.Shape, data_offsets = new[] { offset, offset + entry.ExpectedBytes } }))
                throw new ArgumentException($"tensor name '{entry.Name}' is reserved or repeated", nameof(entries));
            offset += entry.ExpectedBytes;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        int padded = (json.Length + 7) / 8 * 8;
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            stream.Write(length);
            stream.Write(json);
            for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
            foreach (var entry in entries)
            {
                var bytes = data(entry);
                if (bytes.LongLength != entry.ExpectedBytes)
                    throw new ArgumentException($"tensor '{entry.Name}': {bytes.LongLength} bytes of data, its dtype and shape need {entry.ExpectedBytes}", nameof(data));
                stream.Write(bytes);
            }
        }, bytes: 8 + padded + offset);
    }

    /// <summary>Opens <paramref name="path"/> and checks its header against the file (see the class summary).</summary>
    public static SafetensorsFile Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            Span<byte> prefix = stackalloc byte[8];
            if (stream.Length < 8) throw Bad(path, $"not a safetensors file ({stream.Length} bytes, shorter than its 8-byte header length)");
            stream.ReadExactly(prefix);
            ulong headerBytes = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            long available = stream.Length - 8;
            if (headerBytes > MaxHeaderBytes) throw Bad(path, $"damaged safetensors file (a header of {headerBytes} bytes, the limit is {MaxHeaderBytes})");
            if ((long)headerBytes > available) throw Bad(path, $"truncated safetensors file (a header of {headerBytes} bytes, {available} left in the file)");
            var json = new byte[headerBytes];
            stream.ReadExactly(json);
            long dataStart = 8 + (long)headerBytes;
            var (entries, metadata) = ParseHeader(path, json, stream.Length - dataStart);
            return new SafetensorsFile(path, stream, dataStart, entries, metadata);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The data of <paramref name="entry"/> (one of <see cref="Entries"/>): its raw little-endian bytes.</summary>
    public byte[] Read(Entry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        long bytes = entry.End - entry.Begin;
        if (bytes > Array.MaxLength) throw Bad(Path, $"tensor '{entry.Name}': {bytes} bytes, more than one array holds");
        var data = new byte[bytes];
        stream.Position = dataStart + entry.Begin;
        stream.ReadExactly(data);
        return data;
    }

    public void Dispose() => stream.Dispose();

    static (IReadOnlyList<Entry>, IReadOnlyDictionary<string, string>) ParseHeader(string path, byte[] json, long bufferBytes)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(json); }
        catch (JsonException e) { throw Bad(path, $"unreadable safetensors header: {e.Message.ReplaceLineEndings(" ")}"); }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Bad(path, "the safetensors header is not a JSON object");
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>();
            var names = new HashSet<string>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                string name = property.Name;
                if (!names.Add(name)) throw Bad(path, $"tensor '{name}' appears twice in the header");
                if (name == MetadataKey)
                {
                    if (property.Value.ValueKind != JsonValueKind.Object) throw Bad(path, "__metadata__ is not an object");
                    foreach (var item in property.Value.EnumerateObject())
                        metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()! : throw Bad(path, $"__metadata__ '{item.Name}' is not a string");
                    continue;
                }
                entries.Add(ParseEntry(path, name, property.Value));
            }
            entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            long next = 0;
            foreach (var entry in entries)
            {
                if (entry.Begin != next)
                    throw Bad(path, $"tensor '{entry.Name}': data at [{entry.Begin}, {entry.End}) " + (entry.Begin < next ? "overlaps another tensor's" : $"leaves a gap after byte {next}"));
                if (entry.End > bufferBytes) throw Bad(path, $"truncated safetensors file: tensor '{entry.Name}' has data at [{entry.Begin}, {entry.End}), past the end of the file's {bufferBytes} data bytes");
                next = entry.End;
            }
            if (next != bufferBytes) throw Bad(path, $"{bufferBytes - next} bytes after the last tensor's data");
            return (entries, metadata);
        }
    }

    static Entry ParseEntry(string path, string name, JsonElement value)
    {
        InvalidDataException Wrong(string reason) => Bad(path, $"tensor '{name}': {reason}");
        if (value.ValueKind != JsonValueKind.Object) throw Wrong("its header entry is not an object");
        string? dtype = null;
        long[]? shape = null, offsets = null;
        foreach (var field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when field.Value.ValueKind == JsonValueKind.String: dtype = field.Value.GetString(); break;
                case "shape": shape = Integers(field.Value) ?? throw Wrong("shape is not a list of non-negative integers"); break;
                case "data_offsets": offsets = Integers(field.Value) ?? throw Wrong("data_offsets is not a list of non-negative integers"); break;
                default: throw Wrong($"unexpected header field '{field.Name}'");
            }
        }
        if (dtype is null || shape is null || offsets is null) throw Wrong("its header entry lacks dtype, shape or data_offsets");
        if (DtypeSize(dtype) == 0) throw Wrong($"unknown dtype '{dtype}'");
        if (offsets.Length != 2 || offsets[0] > offsets[1]) throw Wrong($"data_offsets [{string.Join(", ", offsets)}] is not [begin, end] with begin <= end");
        var entry = new Entry(name, dtype, shape) { Begin = offsets[0], End = offsets[1] };
        if (entry.ExpectedBytes != entry.End - entry.Begin)
            throw Wrong($"{dtype} [{string.Join(", ", shape)}] needs {(entry.ExpectedBytes < 0 ? "more than 2^63" : entry.ExpectedBytes)} bytes, its data_offsets hold {entry.End - entry.Begin}");
        return entry;
    }

    static long[]? Integers(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array) return null;
        var result = new long[value.GetArrayLength()];
        int i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long x) || x < 0) return null;
            result[i++] = x;
        }
        return result;
    }

    static long CheckedProduct(long[] shape, long start)
    {
        try
        {
            long product = start;
            foreach (long d in shape) product = d < 0 ? throw new OverflowException() : checked(product * d);
            return product;
        }
        catch (OverflowException) { return -1; }
    }

    static InvalidDataException Bad(string path, string reason) => new($"{path}: {reason}");
}
