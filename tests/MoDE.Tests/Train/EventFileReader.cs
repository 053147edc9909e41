using System.Buffers.Binary;
using System.Text;
using MoDE.Train;

namespace MoDE.Tests.Train;

/// <summary>
/// Reads a TensorBoard event file independently of the writer: checks the TFRecord framing and both masked CRCs of
/// every record, and decodes Event {wall_time 1, step 2, file_version 3, summary 5 {value 1 {tag 1, simple_value 2}}}.
/// </summary>
public static class EventFileReader
{
    public sealed record Event(double WallTime, long Step, string? FileVersion, Dictionary<string, float> Scalars);

    public static List<Event> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var events = new List<Event>();
        int at = 0;
        while (at < bytes.Length)
        {
            if (bytes.Length - at < 12) throw new InvalidDataException($"truncated header at {at}");
            var header = bytes.AsSpan(at, 8);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8, 4)) != MaskedCrc(header))
                throw new InvalidDataException($"bad length CRC at {at}");
            at += 12;
            if ((ulong)(bytes.Length - at) < length + 4) throw new InvalidDataException($"truncated record at {at}");
            var data = bytes.AsSpan(at, (int)length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + (int)length, 4)) != MaskedCrc(data))
                throw new InvalidDataException($"bad data CRC at {at}");
            events.Add(Decode(data.ToArray()));
            at += (int)length + 4;
        }
        return events;
    }

    // The mask written out again here, so the test does not just trust TensorBoardEvents.MaskedCrc32C.
    static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = TensorBoardEvents.Crc32C(data);
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }

    static Event Decode(byte[] data)
    {
        double wallTime = 0; long step = 0; string? version = null; var scalars = new Dictionary<string, float>();
        foreach (var (field, wire, value, bytes) in Fields(data))
        {
            if (field == 1 && wire == 1) wallTime = BitConverter.Int64BitsToDouble((long)value);
            else if (field == 2 && wire == 0) step = (long)value;
            else if (field == 3 && wire == 2) version = Encoding.UTF8.GetString(bytes!);
            else if (field == 5 && wire == 2)
                foreach (var (f, w, _, item) in Fields(bytes!))
                {
                    if (f != 1 || w != 2) throw new InvalidDataException($"unexpected Summary field {f}");
                    string? tag = null; float? simple = null;
                    foreach (var (vf, vw, vv, vb) in Fields(item!))
                    {
                        if (vf == 1 && vw == 2) tag = Encoding.UTF8.GetString(vb!);
                        else if (vf == 2 && vw == 5) simple = BitConverter.Int32BitsToSingle((int)vv);
                    }
                    scalars[tag ?? throw new InvalidDataException("value without tag")] = simple ?? throw new InvalidDataException("value without simple_value");
                }
            else throw new InvalidDataException($"unexpected Event field {field} wire type {wire}");
        }
        return new Event(wallTime, step, version, scalars);
    }

    static IEnumerable<(int Field, int Wire, ulong Value, byte[]? Bytes)> Fields(byte[] data)
    {
        int at = 0;
        while (at < data.Length)
        {
            ulong key = Varint(data, ref at);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: yield return (field, wire, Varint(data, ref at), null); break;
                case 1: yield return (field, wire, BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(at, 8)), null); at += 8; break;
                case 5: yield return (field, wire, BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at, 4)), null); at += 4; break;
                case 2:
                    int length = (int)Varint(data, ref at);
                    yield return (field, wire, 0, data.AsSpan(at, length).ToArray()); at += length; break;
                default: throw new InvalidDataException($"wire type {wire}");
            }
        }
    }

    static ulong Varint(byte[] data, ref int at)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }
}
