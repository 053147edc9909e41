using System.Buffers.Binary;
using System.IO.Hashing;

namespace MoDE.Storage;

/// <summary>
/// The rest of a binary file, guarded against damage: the payload's length (int64), its 64-bit XXH3 hash (uint64,
/// <see cref="XxHash3"/> of System.IO.Hashing), then the payload. A reader checks the length against the file's and
/// the hash against the bytes before it parses anything, so a truncated file or a flipped bit is an error naming the
/// file, not a silently different value. XXH3 hashes about 15 GB/s on one core (bench/MoDE.Bench <c>checkpoint</c>),
/// SHA-256 about 2 GB/s; a checksum guards against damage, not against tampering.
/// </summary>
public static class ChecksummedPayload
{
    /// <summary>Bytes of the length and the hash before the payload.</summary>
    public const int PrefixBytes = 16;

    /// <summary>Writes the prefix and what <paramref name="writePayload"/> writes (it must flush what it buffers) at the
    /// position of <paramref name="stream"/>, which must be seekable: the prefix is filled in at the end.</summary>
    public static void Write(Stream stream, Action<Stream> writePayload)
    {
        if (!stream.CanSeek) throw new ArgumentException("the prefix is written last, so the stream must be seekable", nameof(stream));
        long start = stream.Position;
        Span<byte> prefix = stackalloc byte[PrefixBytes];
        stream.Write(prefix);
        var payload = new HashingStream(stream);
        writePayload(payload);
        BinaryPrimitives.WriteInt64LittleEndian(prefix, payload.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(prefix[8..], payload.Hash.GetCurrentHashAsUInt64());
        long end = stream.Position;
        stream.Position = start;
        stream.Write(prefix);
        stream.Position = end;
    }

    /// <summary>Reads the prefix at the position of <paramref name="stream"/>, checks that the payload fills the rest of
    /// the file exactly and hashes to the stored value, and leaves the stream at the payload's start. Throws
    /// <see cref="InvalidDataException"/> naming <paramref name="path"/> and <paramref name="what"/> ("training state").</summary>
    public static void Verify(Stream stream, string path, string what)
    {
        long start = stream.Position, fileLength = stream.Length;
        Span<byte> prefix = stackalloc byte[PrefixBytes];
        if (stream.ReadAtLeast(prefix, PrefixBytes, throwOnEndOfStream: false) < PrefixBytes)
            throw new InvalidDataException($"{path}: truncated {what} (expected at least {start + PrefixBytes} bytes, file has {fileLength})");
        long length = BinaryPrimitives.ReadInt64LittleEndian(prefix);
        ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(prefix[8..]);
        long available = fileLength - start - PrefixBytes;
        if (length < 0 || length > long.MaxValue - start - PrefixBytes)
            throw new InvalidDataException($"{path}: damaged {what} (payload length {length})");
        if (length > available)
            throw new InvalidDataException($"{path}: truncated {what} (expected {start + PrefixBytes + length} bytes, file has {fileLength})");
        if (length < available)
            throw new InvalidDataException($"{path}: {what} with {available - length} unexpected trailing bytes (expected {start + PrefixBytes + length} bytes, file has {fileLength})");
        var hash = new XxHash3();
        var buffer = new byte[1 << 20];
        for (int read; (read = stream.Read(buffer)) > 0;) hash.Append(buffer.AsSpan(0, read));
        ulong computed = hash.GetCurrentHashAsUInt64();
        if (computed != stored)
            throw new InvalidDataException($"{path}: damaged {what}: its checksum is {computed:x16}, the file records {stored:x16} (a changed byte)");
        stream.Position = start + PrefixBytes;
    }

    /// <summary>Passes writes through to the file and hashes them on the way.</summary>
    sealed class HashingStream(Stream inner) : Stream
    {
        public XxHash3 Hash { get; } = new();
        long _written;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Hash.Append(buffer);
            _written += buffer.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void WriteByte(byte value) => Write([value]);
        public override void Flush() => inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
