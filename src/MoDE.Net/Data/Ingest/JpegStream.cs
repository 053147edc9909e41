using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace MoDE.Data.Ingest;

/// <summary>
/// Checks a JPEG's structure before it is decoded, for what libjpeg-turbo (inside Skia) does not report:
/// <list type="bullet">
/// <item>A cut file. libjpeg-turbo fills what is missing and Skia reports success for a progressive JPEG cut anywhere,
/// and for any JPEG whose scan data stops at a marker (a cut file given an end marker): the missing blocks come out
/// grey. So the markers are walked to the end marker (ITU-T T.81, annex B) and every Huffman-coded scan of a
/// sequential or progressive frame is entropy-decoded (annex F.2.2 and G.2, as libjpeg-turbo's <c>jdhuff.c</c> and
/// <c>jdphuff.c</c>), without transforms, to the last block of the scan; a scan that stops early, no end marker, or a
/// component that no scan carries is <see cref="SkipReason.TruncatedImage"/>. A code no table holds is
/// <see cref="SkipReason.CorruptImage"/>.</item>
/// <item>Too many scans. Each scan of a progressive JPEG is a pass over every block of the image even when its data is
/// a few bytes of end-of-band runs, so a small file with thousands of scans costs thousands of decodes
/// (libjpeg-turbo's <c>djpeg -maxscans</c> guards against it); more than the limit is
/// <see cref="SkipReason.TooManyScans"/>, counted before any scan is decoded.</item>
/// </list>
/// Arithmetic-coded, lossless and hierarchical frames are walked (scans counted, end marker required) but their scan
/// data is not decoded, nor is a scan whose Huffman table the file does not define (libjpeg-turbo then uses the
/// standard tables, as Motion-JPEG does). Work is one pass over the bytes plus, per scan, one step per block, and
/// the blocks are bounded by the pixel limit.
/// </summary>
public static class JpegStream
{
    /// <summary>Why the JPEG cannot be used, or null. <paramref name="jpeg"/> starts with the SOI marker (FF D8).</summary>
    public static SkipReason? Check(ReadOnlySpan<byte> jpeg, int maxScans, long maxPixels)
    {
        if (Walk(jpeg, maxScans, maxPixels, null) is { } problem) return problem;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(jpeg.Length + 8);
        try { return Walk(jpeg, maxScans, maxPixels, buffer); }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    /// <summary>
    /// One pass over the markers; with a <paramref name="buffer"/> (of the JPEG's length + 8 bytes, for
    /// <see cref="Bits"/>) the scans' data is entropy-decoded, else only passed over, so a file with too many scans or
    /// no end marker is refused at the cost of reading its bytes once.
    /// </summary>
    static SkipReason? Walk(ReadOnlySpan<byte> jpeg, int maxScans, long maxPixels, byte[]? buffer)
    {
        Frame? frame = null;
        var dc = new Huffman?[4];
        var ac = new Huffman?[4];
        int restartInterval = 0, scans = 0, pos = 2;
        var restarts = new List<int>();
        while (true)
        {
            while (pos < jpeg.Length && jpeg[pos] != 0xFF) pos++; // bytes between segments are skipped, as libjpeg-turbo does
            while (pos < jpeg.Length && jpeg[pos] == 0xFF) pos++; // fill bytes
            if (pos >= jpeg.Length) return SkipReason.TruncatedImage;
            byte marker = jpeg[pos++];
            if (marker == 0xD9) return frame is null ? SkipReason.CorruptImage : frame.Uncarried() ? SkipReason.TruncatedImage : null; // EOI
            if (marker is 0x01 or >= 0xD0 and <= 0xD8) continue; // TEM, RSTn, SOI: no segment
            if (pos + 2 > jpeg.Length) return SkipReason.TruncatedImage;
            int length = jpeg[pos] << 8 | jpeg[pos + 1];
            if (length < 2) return SkipReason.CorruptImage;
            if (pos + length > jpeg.Length) return SkipReason.TruncatedImage;
            var segment = jpeg.Slice(pos + 2, length - 2);
            pos += length;
            switch (marker)
            {
                case >= 0xC0 and <= 0xCF when marker is not (0xC4 or 0xC8 or 0xCC): // SOFn
                    if (frame is not null) return SkipReason.CorruptImage;
                    frame = Frame.Parse(segment, marker);
                    if (frame is null) return SkipReason.CorruptImage;
                    if ((long)frame.Width * frame.Height > maxPixels) return SkipReason.TooManyPixels;
                    break;
                case 0xC4 when !Huffman.Parse(segment, dc, ac):
                    return SkipReason.CorruptImage;
                case 0xDD when segment.Length >= 2:
                    restartInterval = segment[0] << 8 | segment[1];
                    break;
                case 0xDA:
                {
                    if (++scans > maxScans) return SkipReason.TooManyScans;
                    if (frame is null) return SkipReason.CorruptImage;
                    var problem = buffer is null
                        ? frame.Carry(segment) ?? SkipToMarker(jpeg, ref pos)
                        : frame.Scan(segment, dc, ac, restartInterval, jpeg, ref pos, new Bits(jpeg, pos, buffer, restarts));
                    if (problem is not null) return problem;
                    break;
                }
            }
        }
    }

    /// <summary>A component of the frame: sampling factors, its block grid in a scan of its own, and (progressive) which coefficients of each block are nonzero so far.</summary>
    sealed class Component(int id, int h, int v)
    {
        public int Id = id, H = h, V = v, BlocksWide, BlocksHigh;
        public bool Carried;
        public ulong[]? Nonzero;
    }

    sealed class Frame
    {
        public int Width, Height, MaxH, MaxV;
        public bool Progressive, HuffmanCoded;
        public Component[] Components = [];

        /// <summary>The frame of a SOFn segment, or null when it is malformed.</summary>
        public static Frame? Parse(ReadOnlySpan<byte> s, byte marker)
        {
            if (s.Length < 6 || s[5] is 0 or > 4 || s.Length < 6 + 3 * s[5]) return null;
            var frame = new Frame
            {
                Height = s[1] << 8 | s[2], Width = s[3] << 8 | s[4],
                Progressive = marker == 0xC2, HuffmanCoded = marker is 0xC0 or 0xC1 or 0xC2,
                Components = new Component[s[5]],
            };
            for (int i = 0; i < frame.Components.Length; i++)
            {
                int h = s[7 + 3 * i] >> 4, v = s[7 + 3 * i] & 15;
                if (h is < 1 or > 4 || v is < 1 or > 4) return null;
                frame.Components[i] = new Component(s[6 + 3 * i], h, v);
                frame.MaxH = Math.Max(frame.MaxH, h);
                frame.MaxV = Math.Max(frame.MaxV, v);
            }
            if (frame.Width == 0) return null;
            foreach (var c in frame.Components)
            {
                c.BlocksWide = Ceiling(Ceiling(frame.Width * c.H, frame.MaxH), 8);
                c.BlocksHigh = Ceiling(Ceiling(frame.Height * c.V, frame.MaxV), 8);
            }
            return frame;
        }

        /// <summary>True when a component of the frame is in no scan, or (progressive) has no first DC scan: its image would be grey.</summary>
        public bool Uncarried() => Components.Any(c => !c.Carried);

        /// <summary>Notes the components a scan's SOS header <paramref name="s"/> carries (a first DC scan, or any sequential scan); the reason the header is unusable, or null.</summary>
        public SkipReason? Carry(ReadOnlySpan<byte> s)
        {
            if (s.Length < 1 || s[0] is 0 or > 4 || s.Length < 4 + 2 * s[0]) return SkipReason.CorruptImage;
            int count = s[0];
            bool dcFirst = !Progressive || (s[1 + 2 * count] == 0 && s[3 + 2 * count] >> 4 == 0);
            for (int i = 0; i < count; i++)
            {
                int id = s[1 + 2 * i];
                if (Array.Find(Components, x => x.Id == id) is not { } c) return SkipReason.CorruptImage;
                c.Carried |= dcFirst;
            }
            return null;
        }

        /// <summary>
        /// Reads one scan: its SOS header <paramref name="s"/>, then its entropy-coded data, <paramref name="bits"/>;
        /// <paramref name="pos"/> is left at the marker after it. The reason the scan is unusable, or null.
        /// </summary>
        public SkipReason? Scan(ReadOnlySpan<byte> s, Huffman?[] dc, Huffman?[] ac, int restartInterval, ReadOnlySpan<byte> jpeg, ref int pos, Bits bits)
        {
            if (Carry(s) is { } problem) return problem;
            int count = s[0];
            var components = new Component[count];
            var dcTables = new Huffman?[count];
            var acTables = new Huffman?[count];
            for (int i = 0; i < count; i++)
            {
                int id = s[1 + 2 * i];
                components[i] = Array.Find(Components, x => x.Id == id)!;
                dcTables[i] = dc[s[2 + 2 * i] >> 4 & 3];
                acTables[i] = ac[s[2 + 2 * i] & 3];
            }
            int ss = s[1 + 2 * count], se = s[2 + 2 * count], ah = s[3 + 2 * count] >> 4;
            if (Progressive && (ss > se || se > 63 || (ss > 0 && count > 1) || (ss == 0 && se != 0))) return SkipReason.CorruptImage;
            bool dcFirst = !Progressive || (ss == 0 && ah == 0), dcRefine = Progressive && ss == 0 && ah > 0;
            bool needsDc = dcFirst, needsAc = !Progressive || ss > 0;
            bool decodable = HuffmanCoded && Height > 0 && (!needsDc || dcTables.All(t => t is not null)) && (!needsAc || acTables.All(t => t is not null));
            if (!decodable) return SkipToMarker(jpeg, ref pos);

            // a scan of one component codes its blocks one by one; an interleaved scan codes MCUs of H x V blocks of each (T.81 A.2)
            if (count > 1 && components.Sum(c => c.H * c.V) > 10) return SkipReason.CorruptImage; // T.81 B.2.3
            long mcus = count == 1 ? (long)components[0].BlocksWide * components[0].BlocksHigh : (long)Ceiling(Width, 8 * MaxH) * Ceiling(Height, 8 * MaxV);
            if (Progressive && ss > 0) components[0].Nonzero ??= new ulong[(long)components[0].BlocksWide * components[0].BlocksHigh];
            int eobRun = 0;
            for (long m = 0; m < mcus; m++)
            {
                if (restartInterval > 0 && m > 0 && m % restartInterval == 0)
                {
                    if (!bits.Restart()) return SkipReason.TruncatedImage;
                    eobRun = 0;
                }
                if (eobRun > 0 && ah == 0)
                {
                    // a first AC scan's end-of-band run: blocks with no data, passed over together
                    long run = Math.Min(eobRun, mcus - m);
                    if (restartInterval > 0) run = Math.Min(run, restartInterval - m % restartInterval);
                    eobRun -= (int)run;
                    m += run - 1;
                    continue;
                }
                for (int i = 0; i < count; i++)
                {
                    int blocks = count == 1 ? 1 : components[i].H * components[i].V;
                    for (int b = 0; b < blocks; b++)
                    {
                        bool ok = !Progressive ? Sequential(ref bits, dcTables[i]!, acTables[i]!)
                            : dcFirst ? Magnitude(ref bits, dcTables[i]!)
                            : dcRefine ? bits.Skip(1)
                            : ah == 0 ? AcFirst(ref bits, acTables[i]!, ss, se, ref eobRun, ref components[i].Nonzero![m])
                            : AcRefine(ref bits, acTables[i]!, ss, se, ref eobRun, ref components[i].Nonzero![m]);
                        if (!ok) return SkipReason.CorruptImage;
                    }
                }
                if (bits.Missing) return SkipReason.TruncatedImage;
            }
            pos = bits.Position;
            return SkipToMarker(jpeg, ref pos);
        }
    }

    /// <summary>Moves <paramref name="pos"/> past entropy-coded bytes to the next marker that is not a restart marker; a file that ends first is truncated.</summary>
    static SkipReason? SkipToMarker(ReadOnlySpan<byte> jpeg, ref int pos)
    {
        for (; pos + 1 < jpeg.Length; pos++)
            if (jpeg[pos] == 0xFF && jpeg[pos + 1] is not (0x00 or >= 0xD0 and <= 0xD7)) return null;
        return SkipReason.TruncatedImage;
    }

    static int Ceiling(int a, int b) => (a + b - 1) / b;

    /// <summary>A Huffman code and its magnitude bits (a DC difference, or the DC of a first progressive scan).</summary>
    static bool Magnitude(ref Bits bits, Huffman table) => table.Next(ref bits) >= 0;

    /// <summary>One block of a sequential scan (T.81 F.2.2): the DC difference, then AC codes to the end of block.</summary>
    static bool Sequential(ref Bits bits, Huffman dc, Huffman ac)
    {
        if (!Magnitude(ref bits, dc)) return false;
        for (int k = 1; k < 64; k++)
        {
            int rs = ac.Next(ref bits);
            if (rs < 0) return false;
            if ((rs & 15) != 0) k += rs >> 4;
            else if (rs == 0xF0) k += 15;
            else break;
        }
        return true;
    }

    /// <summary>One block of a first AC scan of a progressive frame (T.81 G.1.2.2; libjpeg-turbo's decode_mcu_AC_first).</summary>
    static bool AcFirst(ref Bits bits, Huffman ac, int ss, int se, ref int eobRun, ref ulong nonzero)
    {
        if (eobRun > 0) { eobRun--; return true; }
        for (int k = ss; k <= se; k++)
        {
            int rs = ac.Next(ref bits);
            if (rs < 0) return false;
            int r = rs >> 4, s = rs & 15;
            if (s != 0) { k += r; nonzero |= 1UL << Math.Min(k, 63); }
            else if (r == 15) k += 15;
            else { eobRun = (1 << r) + bits.Get(r) - 1; break; }
        }
        return true;
    }

    /// <summary>
    /// One block of an AC refinement scan (T.81 G.1.2.3; libjpeg-turbo's decode_mcu_AC_refine): a correction bit for
    /// every coefficient already nonzero, new coefficients of magnitude 1 placed by zero runs.
    /// </summary>
    static bool AcRefine(ref Bits bits, Huffman ac, int ss, int se, ref int eobRun, ref ulong nonzero)
    {
        int k = ss;
        if (eobRun == 0)
        {
            for (; k <= se; k++)
            {
                int rs = ac.Decode(ref bits);
                if (rs < 0) return false;
                int r = rs >> 4, s = rs & 15;
                if (s != 0) bits.Skip(1); // the sign of the new coefficient
                else if (r != 15) { eobRun = (1 << r) + bits.Get(r); break; }
                // pass r coefficients still zero and stop at the next one (or after se), with a correction bit for
                // each coefficient already nonzero on the way
                ulong history = nonzero >> k, zeros = ~history & ((1UL << (se - k + 1)) - 1);
                int step = se - k + 1;
                if (BitOperations.PopCount(zeros) > r)
                {
                    for (int i = 0; i < r; i++) zeros &= zeros - 1;
                    step = BitOperations.TrailingZeroCount(zeros);
                }
                SkipCorrections(ref bits, history & ((1UL << step) - 1));
                k += step;
                if (s != 0) nonzero |= 1UL << Math.Min(k, 63);
            }
        }
        if (eobRun > 0)
        {
            if (k <= se) SkipCorrections(ref bits, nonzero >> k & ((1UL << (se - k + 1)) - 1));
            eobRun--;
        }
        return true;
    }

    /// <summary>Passes one correction bit for each coefficient set in <paramref name="alreadyNonzero"/>.</summary>
    static void SkipCorrections(ref Bits bits, ulong alreadyNonzero)
    {
        for (int corrections = BitOperations.PopCount(alreadyNonzero); corrections > 0; corrections -= 32)
            bits.Skip(Math.Min(corrections, 32));
    }

    /// <summary>
    /// A Huffman table of a DHT segment (T.81 annex C), decoded as F.2.2.3 with a lookahead of <see cref="Lookahead"/>
    /// bits that also covers the magnitude bits after a code, as libjpeg-turbo's jdhuff.c does.
    /// </summary>
    sealed class Huffman
    {
        const int Lookahead = 10;
        readonly int[] _maxCode = new int[18], _offset = new int[17];
        readonly byte[] _symbols;
        readonly ushort[] _fast = new ushort[1 << Lookahead]; // code length << 12 | (code length + magnitude bits) << 8 | symbol; 0 when longer than the lookahead

        Huffman(ReadOnlySpan<byte> counts, byte[] symbols)
        {
            _symbols = symbols;
            int code = 0, k = 0;
            for (int l = 1; l <= 16; l++)
            {
                _offset[l] = k - code;
                for (int i = 0; i < counts[l - 1]; i++, code++, k++)
                {
                    int length = l + (symbols[k] & 15);
                    if (length <= Lookahead)
                        for (int fill = code << (Lookahead - l), end = (code + 1) << (Lookahead - l); fill < end; fill++)
                            _fast[fill] = (ushort)(l << 12 | length << 8 | symbols[k]);
                }
                _maxCode[l] = counts[l - 1] > 0 ? code - 1 : -1;
                code <<= 1;
            }
            _maxCode[17] = int.MaxValue;
        }

        /// <summary>Reads the tables of one DHT segment into <paramref name="dc"/> and <paramref name="ac"/>; false when it is malformed.</summary>
        public static bool Parse(ReadOnlySpan<byte> s, Huffman?[] dc, Huffman?[] ac)
        {
            while (s.Length > 0)
            {
                if (s.Length < 17 || s[0] >> 4 > 1 || (s[0] & 15) > 3) return false;
                var counts = s.Slice(1, 16);
                int total = 0, code = 0;
                for (int l = 1; l <= 16; l++)
                {
                    total += counts[l - 1];
                    code = (code + counts[l - 1]) << 1;
                    if (code > 2 << l) return false; // more codes of this length than there are (libjpeg-turbo: JERR_BAD_HUFF_TABLE)
                }
                if (total > 256 || s.Length < 17 + total) return false;
                (s[0] >> 4 == 0 ? dc : ac)[s[0] & 3] = new Huffman(counts, s.Slice(17, total).ToArray());
                s = s[(17 + total)..];
            }
            return true;
        }

        /// <summary>The next symbol, or -1 when no code of the table matches.</summary>
        public int Decode(ref Bits bits)
        {
            int fast = _fast[bits.Peek(Lookahead)];
            if (fast != 0) { bits.Skip(fast >> 12); return fast & 0xFF; }
            for (int l = 1; l <= 16; l++)
            {
                int code = bits.Peek(l);
                if (code <= _maxCode[l]) { bits.Skip(l); return _symbols[code + _offset[l]]; }
            }
            return -1;
        }

        /// <summary>The next symbol with its magnitude bits (its low four bits count them) passed over; -1 when no code matches.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Next(ref Bits bits)
        {
            int fast = _fast[bits.Peek(Lookahead)];
            if (fast != 0) { bits.Skip(fast >> 8 & 15); return fast & 0xFF; }
            int symbol = Decode(ref bits);
            if (symbol >= 0) bits.Skip(symbol & 15);
            return symbol;
        }
    }

    /// <summary>
    /// The entropy-coded data of one scan (T.81 F.1.2.3), copied once without its stuffed zero bytes and its restart
    /// markers, then read as bits from 64-bit words. Bits asked for past the data of the current restart interval
    /// read as zeros, as libjpeg-turbo fills them, and set <see cref="Missing"/>.
    /// </summary>
    ref struct Bits
    {
        readonly ReadOnlySpan<byte> _bytes; // the data, then 8 zero bytes
        readonly List<int> _ends; // where the data of each restart interval ends, in bytes of _bytes
        long _bit;
        int _interval;

        /// <summary>Reads the data from <paramref name="position"/> in <paramref name="jpeg"/> to the next marker that is not a restart marker, into <paramref name="buffer"/>.</summary>
        public Bits(ReadOnlySpan<byte> jpeg, int position, byte[] buffer, List<int> ends)
        {
            int length = 0;
            ends.Clear();
            while (position < jpeg.Length)
            {
                if (jpeg[position] != 0xFF) { buffer[length++] = jpeg[position++]; continue; }
                if (position + 1 >= jpeg.Length) break;
                byte next = jpeg[position + 1];
                if (next == 0x00) { buffer[length++] = 0xFF; position += 2; }
                else if (next is >= 0xD0 and <= 0xD7) { ends.Add(length); position += 2; }
                else if (next == 0xFF) position++; // a fill byte before a marker
                else break;
            }
            ends.Add(length);
            Array.Clear(buffer, length, 8);
            _bytes = buffer.AsSpan(0, length + 8);
            _ends = ends;
            Position = position;
        }

        /// <summary>Where the marker after the data begins (the JPEG's length when there is none).</summary>
        public int Position { get; }

        /// <summary>True once a bit past the data of the current restart interval was read: it stops before its last block.</summary>
        public readonly bool Missing => _bit > 8L * _ends[_interval];

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly int Peek(int n)
        {
            long index = _bit >> 3;
            if (index > _bytes.Length - 8) return 0;
            return (int)(BinaryPrimitives.ReadUInt64BigEndian(_bytes[(int)index..]) << (int)(_bit & 7) >> (64 - n));
        }

        /// <summary>Drops <paramref name="n"/> bits; always true (so it reads as a step of a block).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Skip(int n)
        {
            _bit += n;
            return true;
        }

        public int Get(int n)
        {
            if (n == 0) return 0;
            int value = Peek(n);
            _bit += n;
            return value;
        }

        /// <summary>At a restart interval's end: goes to the next interval's data; false when no restart marker came (the data stops early).</summary>
        public bool Restart()
        {
            if (_interval + 1 >= _ends.Count) return false;
            _bit = 8L * _ends[_interval++];
            return true;
        }
    }
}
