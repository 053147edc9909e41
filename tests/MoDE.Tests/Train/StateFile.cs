using System.Text;
using MoDE.Storage;
using MoDE.Train;
using Xunit;

namespace MoDE.Tests.Train;

/// <summary>A saved training state taken apart into its JSON header and tensor bytes, and put together again in any
/// format version: older formats for the tests that read them, damaged files for the hostile ones.</summary>
static class StateFile
{
    static readonly byte[] Magic = "MODETRN\0"u8.ToArray();

    /// <summary>The header and the tensors (model, then optimizer) of a state saved in the current format.</summary>
    public static (string Header, byte[] Tensors) Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        using var reader = new BinaryReader(new MemoryStream(bytes));
        Assert.Equal(Magic, reader.ReadBytes(Magic.Length));
        Assert.Equal(TrainState.FormatVersion, reader.ReadInt32());
        reader.ReadBytes(ChecksummedPayload.PrefixBytes);
        string header = reader.ReadString();
        return (header, bytes[(int)reader.BaseStream.Position..]);
    }

    /// <summary>Writes a state of format <paramref name="version"/>: from format 4 on, with its length and a checksum
    /// that matches, so the header and tensors are read as given.</summary>
    public static void Write(string path, int version, string header, byte[] tensors)
    {
        using var stream = File.Create(path);
        stream.Write(Magic);
        stream.Write(BitConverter.GetBytes(version));
        void Payload(Stream payload)
        {
            using var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true);
            writer.Write(header);
            writer.Write(tensors);
            writer.Flush();
        }
        if (version >= 4) ChecksummedPayload.Write(stream, Payload);
        else Payload(stream);
    }
}
