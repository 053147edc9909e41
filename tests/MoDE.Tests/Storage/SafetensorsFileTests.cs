using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using MoDE.Storage;
using Xunit;

namespace MoDE.Tests.Storage;

public class SafetensorsFileTests
{
    static readonly string Folder = Directory.CreateTempSubdirectory("mode-safetensors").FullName;

    [Fact]
    public void WrittenFileFollowsTheSpecAndReadsBack()
    {
        string path = Path.Combine(Folder, "round.safetensors");
        var entries = new List<SafetensorsFile.Entry> { new("b", "F32", [2, 3]), new("a", "I64", [1]), new("scalar", "F16", []), new("empty", "U8", [0, 4]) };
        byte[] Data(SafetensorsFile.Entry e) => Enumerable.Range(0, (int)e.ExpectedBytes).Select(i => (byte)(i * 7 + e.Name[0])).ToArray();
        SafetensorsFile.Write(path, entries, Data, new Dictionary<string, string> { ["format"] = "pt" });

        // The layout, read by hand: 8-byte little-endian header length (a multiple of 8), the JSON, then the data in order.
        var bytes = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, n % 8);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n).TrimEnd(' '));
        Assert.Equal("pt", header.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
        Assert.Equal("[0,24]", header.RootElement.GetProperty("b").GetProperty("data_offsets").GetRawText());
        Assert.Equal("[24,32]", header.RootElement.GetProperty("a").GetProperty("data_offsets").GetRawText());
        Assert.Equal("[]", header.RootElement.GetProperty("scalar").GetProperty("shape").GetRawText());
        Assert.Equal(8 + n + 24 + 8 + 2, bytes.LongLength);
        Assert.Equal(Data(entries[0]), bytes.AsSpan((int)(8 + n), 24).ToArray());

        using var file = SafetensorsFile.Open(path);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(["b", "a", "scalar", "empty"], file.Entries.Select(e => e.Name));
        foreach (var (written, read) in entries.Zip(file.Entries))
        {
            Assert.Equal(written.Dtype, read.Dtype);
            Assert.Equal(written.Shape, read.Shape);
            Assert.Equal(Data(written), file.Read(read));
        }
    }

    [Fact]
    public void WriterRefusesDataOfTheWrongLengthAndLeavesNoFile()
    {
        string path = Path.Combine(Folder, "short.safetensors");
        Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(path, [new("x", "F32", [3])], _ => new byte[8]));
        Assert.False(File.Exists(path));
    }

    /// <summary>A file of the given header (padded to 8) followed by <paramref name="dataBytes"/> zero bytes.</summary>
    static string Craft(string name, string json, int dataBytes, long? declaredLength = null)
    {
        string path = Path.Combine(Folder, name + ".safetensors");
        var text = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + text.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)(declaredLength ?? text.Length));
        text.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [Trait("Hostile", "class1")]
    [InlineData("tiny", "", 0, null, "shorter than its 8-byte header length", "")]
    [InlineData("headerpastend", """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4, 4096L, "truncated safetensors file (a header of 4096 bytes", "")]
    [InlineData("hugeheader", "{}", 0, long.MaxValue, "damaged safetensors file", "")]
    [InlineData("badjson", """{"w":{"dtype":"F32",""", 0, null, "unreadable safetensors header", "")]
    [InlineData("notobject", "[1,2]", 0, null, "not a JSON object", "")]
    [InlineData("truncateddata", """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 12, null, "truncated safetensors file: tensor 'w' has data at [0, 16), past the end of the file's 12 data bytes", "'w'")]
    [InlineData("unknowndtype", """{"w":{"dtype":"F8","shape":[4],"data_offsets":[0,4]}}""", 4, null, "unknown dtype 'F8'", "'w'")]
    [InlineData("shapemismatch", """{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}""", 20, null, "needs 24 bytes, its data_offsets hold 20", "'w'")]
    [InlineData("overflow", """{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}""", 4, null, "more than 2^63", "'w'")]
    [InlineData("negative", """{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, null, "shape is not a list of non-negative integers", "'w'")]
    [InlineData("reversed", """{"w":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}""", 4, null, "is not [begin, end]", "'w'")]
    [InlineData("overlap", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12, null, "overlaps another tensor's", "'b'")]
    [InlineData("gap", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12, null, "leaves a gap after byte 4", "'b'")]
    [InlineData("trailing", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 9, null, "5 bytes after the last tensor's data", "")]
    [InlineData("duplicate", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, null, "appears twice", "'a'")]
    [InlineData("missingfield", """{"a":{"dtype":"F32","shape":[1]}}""", 4, null, "lacks dtype, shape or data_offsets", "'a'")]
    [InlineData("extrafield", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"strides":[1]}}""", 4, null, "unexpected header field 'strides'", "'a'")]
    [InlineData("badmetadata", """{"__metadata__":{"n":1}}""", 0, null, "__metadata__ 'n' is not a string", "")]
    public void DamagedFilesAreOneLineErrorsNamingFileAndTensor(string name, string json, int dataBytes, long? declaredLength, string reason, string tensor)
    {
        string path = Craft(name, json, dataBytes, declaredLength);
        if (name == "tiny") File.WriteAllBytes(path, [1, 2, 3]);
        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(reason, error.Message);
        Assert.Contains(tensor, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
