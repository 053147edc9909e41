using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace MoDE.Train;

/// <summary>
/// Writes a TensorBoard event file of scalars, from the format (no TensorFlow): a sequence of TFRecords, each
/// <c>uint64 length (little-endian), masked CRC-32C of those 8 bytes, the bytes, masked CRC-32C of the bytes</c>;
/// each record an <c>Event</c> protobuf {wall_time = 1 (double), step = 2 (int64), file_version = 3 (string),
/// summary = 5 (Summary { repeated Value value = 1; Value { tag = 1 (string), simple_value = 2 (float) } })}.
/// The first record carries file_version "brain.Event:2", which TensorBoard requires.
/// TorchSharp's <c>torch.utils.tensorboard.SummaryWriter</c> (src/TorchSharp/Utils/tensorboard/SummaryWriter.cs) is
/// not used: it takes the wall time as whole seconds (<c>long? walltime</c>), writes one event per scalar (or, with
/// add_scalars, one sub-folder per tag), stamps its file_version event with <c>DateTime.Now.Ticks</c> as seconds,
/// opens and closes the file for every event, and has neither a flush to disk nor a way to name the file.
/// </summary>
public sealed class TensorBoardEvents : IDisposable
{
    /// <summary>The version string of the first record.</summary>
    public const string FileVersion = "brain.Event:2";

    readonly FileStream _stream;

    /// <summary>Creates a new event file at <paramref name="path"/> (its folder is made); fails if the file exists.</summary>
    public TensorBoardEvents(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _stream = new FileStream(Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        var version = new MemoryStream();
        WriteDouble(version, 1, UnixSeconds(DateTimeOffset.UtcNow));
        WriteBytes(version, 3, Encoding.UTF8.GetBytes(FileVersion));
        WriteRecord(version.ToArray());
    }

    public string Path { get; }

    /// <summary>TensorBoard's file name: <c>events.out.tfevents.UNIX-SECONDS.HOST</c> in <paramref name="folder"/>.</summary>
    public static string NewFileName(string folder) =>
        System.IO.Path.Combine(folder, $"events.out.tfevents.{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Environment.MachineName}");

    /// <summary>The event files of a folder (none when it is missing).</summary>
    public static string[] FilesIn(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder, "events.out.tfevents.*") : [];

    public static double UnixSeconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>Appends one event holding <paramref name="scalars"/> (tag, value) at <paramref name="step"/>.</summary>
    public void Write(long step, double wallTime, IEnumerable<(string Tag, float Value)> scalars)
    {
        ArgumentNullException.ThrowIfNull(scalars);
        var summary = new MemoryStream();
        foreach (var (tag, value) in scalars)
        {
            ArgumentException.ThrowIfNullOrEmpty(tag, nameof(scalars));
            var item = new MemoryStream();
            WriteBytes(item, 1, Encoding.UTF8.GetBytes(tag));
            WriteFloat(item, 2, value);
            WriteBytes(summary, 1, item.ToArray());
        }
        var ev = new MemoryStream();
        WriteDouble(ev, 1, wallTime);
        WriteTag(ev, 2, 0);
        WriteVarint(ev, unchecked((ulong)step));
        WriteBytes(ev, 5, summary.ToArray());
        WriteRecord(ev.ToArray());
    }

    /// <summary>Pushes written events to disk, so a killed run loses only what came after.</summary>
    public void Flush() => _stream.Flush(flushToDisk: true);

    public void Dispose() => _stream.Dispose();

    /// <summary>
    /// The CRC-32C (Castagnoli) of <paramref name="data"/>, the checksum of TFRecord framing ("123456789" gives
    /// 0xE3069283), from <see cref="BitOperations.Crc32C(uint, ulong)"/>: the CPU's CRC32 instruction (SSE4.2, Arm CRC)
    /// where it has one, the runtime's software fallback elsewhere. System.IO.Hashing has no CRC-32C before 11.0.
    /// </summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = ~0u;
        for (; data.Length >= sizeof(ulong); data = data[sizeof(ulong)..])
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
        foreach (byte b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    /// <summary>TFRecord's masked CRC: rotate right by 15 bits and add 0xa282ead8, so a CRC of data holding CRCs stays useful.</summary>
    public static uint MaskedCrc32C(ReadOnlySpan<byte> data) => unchecked(BitOperations.RotateRight(Crc32C(data), 15) + 0xa282ead8u);

    void WriteRecord(byte[] data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], MaskedCrc32C(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, MaskedCrc32C(data));
        _stream.Write(header);
        _stream.Write(data);
        _stream.Write(footer);
    }

    // Protobuf wire format: a key is (field << 3) | wire type; 0 varint, 1 fixed 64-bit, 2 length-delimited, 5 fixed 32-bit.
    static void WriteTag(Stream s, int field, int wireType) => WriteVarint(s, (ulong)((field << 3) | wireType));

    static void WriteVarint(Stream s, ulong value)
    {
        while (value >= 0x80) { s.WriteByte((byte)(value | 0x80)); value >>= 7; }
        s.WriteByte((byte)value);
    }

    static void WriteDouble(Stream s, int field, double value)
    {
        WriteTag(s, field, 1);
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(b, value);
        s.Write(b);
    }

    static void WriteFloat(Stream s, int field, float value)
    {
        WriteTag(s, field, 5);
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, value);
        s.Write(b);
    }

    static void WriteBytes(Stream s, int field, byte[] value)
    {
        WriteTag(s, field, 2);
        WriteVarint(s, (ulong)value.Length);
        s.Write(value);
    }
}
