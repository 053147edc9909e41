using MoDE.Report;

namespace MoDE.Train;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of TFRecord framing. .NET 10's shared
/// framework has no System.IO.Hashing (it is a separate package), so this is the small byte-wise table version.
/// </summary>
public static class Crc32C
{
    static readonly uint[] Table = BuildTable();

    static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint crc = i;
            for (int bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            table[i] = crc;
        }
        return table;
    }

    /// <summary>The CRC-32C of <paramref name="data"/> ("123456789" gives 0xE3069283).</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    /// <summary>TFRecord's masked CRC: rotate right by 15 bits and add 0xa282ead8, so a CRC of data holding CRCs stays useful.</summary>
    public static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = Compute(data);
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }
}
