using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Files;

/// <summary>
/// Classic pcap: both byte orders, microsecond and nanosecond magic, Kuznetsov's patched format,
/// and the versions libpcap opens (2.0 to 2.4, 543.0) with their swapped length fields. Records are
/// presented as libpcap 1.10 presents them: caplen above the snapshot length is cut to it (the rest
/// skipped), caplen above the link type's maximum is an error.
/// </summary>
internal sealed class PcapFormatReader : FormatReader
{
    internal const uint MagicMicroseconds = 0xA1B2C3D4;
    internal const uint MagicNanoseconds = 0xA1B23C4D;
    internal const uint MagicKuznetsov = 0xA1B2CD34;
    private const int FileHeaderSize = 24;

    private enum LengthOrder { AsStored, Swapped, SwappedWhenCaplenAboveLen }

    private readonly bool _bigEndian;
    private readonly bool _nanoseconds;
    private readonly int _recordHeaderSize;
    private readonly LengthOrder _lengthOrder;
    private readonly long _snapshot;
    private readonly uint _maxCaptured;
    private readonly uint _maxRecord;
    private readonly uint _acceptedCaptured; // the smaller of the two: the fast path's one test
    private readonly LinkType _linkType;

    private PcapFormatReader(PipeByteReader input, string name, bool bigEndian, bool nanoseconds, bool kuznetsov,
        LengthOrder lengthOrder, long snapshot, LinkType linkType, int maxRecordLength) : base(input, name)
    {
        _bigEndian = bigEndian;
        _nanoseconds = nanoseconds;
        _recordHeaderSize = kuznetsov ? 24 : 16;
        _lengthOrder = lengthOrder;
        _snapshot = snapshot;
        _linkType = linkType;
        _maxCaptured = (uint)FileLimits.MaxSnapLength(linkType);
        _maxRecord = (uint)maxRecordLength;
        _acceptedCaptured = Math.Min(_maxCaptured, _maxRecord);
    }

    internal override LinkType LinkType => _linkType;

    internal override CaptureFileFormat Format => CaptureFileFormat.Pcap;

    /// <summary>True when the first four bytes, read little-endian, are a pcap magic in either byte order.</summary>
    internal static bool IsMagic(uint magicLittleEndian)
    {
        uint swapped = BinaryPrimitives.ReverseEndianness(magicLittleEndian);
        return magicLittleEndian is MagicMicroseconds or MagicNanoseconds or MagicKuznetsov
            || swapped is MagicMicroseconds or MagicNanoseconds or MagicKuznetsov;
    }

    /// <summary>Reads and checks the 24-byte file header. The input is at offset 0 with the magic buffered.</summary>
    internal static PcapFormatReader Open(PipeByteReader input, string name, int maxRecordLength)
    {
        if (input.Ensure(FileHeaderSize) != ReadOutcome.Ready)
            CaptureFileException.ThrowTruncated(name, 0, "the pcap file header", FileHeaderSize, input.Available);
        Span<byte> scratch = stackalloc byte[FileHeaderSize];
        ReadOnlySpan<byte> h = input.PeekSpan(FileHeaderSize, scratch);
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(h);
        bool bigEndian = magic is not (MagicMicroseconds or MagicNanoseconds or MagicKuznetsov);
        if (bigEndian) magic = BinaryPrimitives.ReverseEndianness(magic);
        ushort major = ReadUInt16(h[4..], bigEndian);
        ushort minor = ReadUInt16(h[6..], bigEndian);
        uint snapLength = ReadUInt32(h[16..], bigEndian);
        // The upper 16 bits carry FCS information; libpcap ignores them for the link type.
        var linkType = (LinkType)(ushort)ReadUInt32(h[20..], bigEndian);
        if (major < 2)
            CaptureFileException.ThrowDamaged(name, 4, $"archaic pcap savefile format (version {major}.{minor})");
        if (!((major == 2 && minor <= 4) || (major == 543 && minor == 0)))
            CaptureFileException.ThrowDamaged(name, 4, $"unsupported pcap savefile version {major}.{minor}");
        LengthOrder order = major == 543 || minor < 3 ? LengthOrder.Swapped
            : minor == 3 ? LengthOrder.SwappedWhenCaplenAboveLen : LengthOrder.AsStored;
        long snapshot = FileLimits.AdjustSnapLength(linkType, snapLength);
        bool kuznetsov = magic == MagicKuznetsov;
        if (kuznetsov && linkType == LinkType.Ethernet) snapshot += 14;
        input.Advance(FileHeaderSize);
        return new PcapFormatReader(input, name, bigEndian, magic == MagicNanoseconds, kuznetsov, order, snapshot, linkType, maxRecordLength);
    }

    internal override ReadOutcome Next(bool mayBlock, out FileRecord record)
    {
        record = default;
        int headerSize = _recordHeaderSize;
        ReadOutcome fill = Input.Ensure(headerSize, mayBlock);
        if (fill != ReadOutcome.Ready)
        {
            if (fill == ReadOutcome.End)
            {
                if (Input.Available == 0) return ReadOutcome.End;
                CaptureFileException.ThrowTruncated(Name, Input.Offset, "a record header", headerSize, Input.Available);
            }
            return fill; // Canceled or WouldBlock
        }
        Span<byte> scratch = stackalloc byte[24];
        ReadOnlySpan<byte> h = Input.PeekSpan(headerSize, scratch);
        ParseHeader(h, out uint seconds, out uint fraction, out uint captured, out uint length);
        if (captured > _acceptedCaptured) ThrowCaptureLength(captured);

        long size = headerSize + (long)captured;
        fill = Input.Ensure(size, mayBlock);
        if (fill != ReadOutcome.Ready)
        {
            if (fill == ReadOutcome.End)
                CaptureFileException.ThrowTruncated(Name, Input.Offset, "the data of a record", captured, Input.Available - headerSize);
            return fill; // Canceled or WouldBlock
        }

        // libpcap cuts a record longer than the snapshot length to it (and skips the rest).
        long delivered = Math.Min(captured, _snapshot);
        record.Data = Input.Peek(size).Slice(headerSize, delivered);
        record.TotalLength = length;
        record.TimestampNanoseconds = Timestamp(seconds, fraction, out record.TimestampCarrySeconds);
        record.LinkType = _linkType;
        record.Type = PacketType.Unknown;
        record.Size = size;
        return ReadOutcome.Ready;
    }

    /// <summary>
    /// Per record, the common case: the header and data lie in the current pipe segment, so they are parsed from
    /// a span of it and viewed by (buffer, offset); no sequence is sliced. Records are accepted here only when
    /// <see cref="Next"/> would accept them with the same fields (<see cref="ParseHeader"/> and
    /// <see cref="Timestamp"/> are shared); anything else, damage included, is left unconsumed for Next.
    /// </summary>
    internal override int AppendBuffered(FileBatch block, long maxFileBytes, int maxRecords)
    {
        if (!Input.TryGetSegment(out PipeBuffer? buffer, out int start, out int available)) return 0;
        ReadOnlySpan<byte> segment = buffer.Array.AsSpan(start, available);
        int headerSize = _recordHeaderSize;
        int ipLayerOffset = LinkTypeInfo.IpLayerOffset(_linkType);
        int first = block.Count;
        int count = first;
        long fileBytes = block.FileBytes;
        int bufferIndex = -1;
        int position = 0;
        while (segment.Length - position >= headerSize)
        {
            ParseHeader(segment.Slice(position, headerSize), out uint seconds, out uint fraction, out uint captured, out uint length);
            if (captured > _acceptedCaptured) break; // damage or over the cap: Next throws it with the record's offset
            int size = headerSize + (int)captured; // captured <= _maxCaptured, far below int.MaxValue
            if (size > segment.Length - position) break; // split across segments, or not read yet
            if (count > 0 && (fileBytes + size > maxFileBytes || count >= maxRecords)) break;
            if (bufferIndex < 0) bufferIndex = block.ReferenceBuffer(buffer);
            // libpcap cuts a record longer than the snapshot length to it (and skips the rest).
            int delivered = (int)Math.Min(captured, _snapshot);
            long timestamp = Timestamp(seconds, fraction, out ushort carry);
            block.AppendView(bufferIndex, start + position + headerSize, delivered, length, timestamp, carry,
                _linkType, ipLayerOffset, 0, PacketType.Unknown, size);
            position += size;
            count++;
            fileBytes += size;
        }
        if (position > 0) Input.Advance(position);
        return count - first;
    }

    /// <summary>A record header's four fields, lengths in the order this file's version stores them put right.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ParseHeader(ReadOnlySpan<byte> h, out uint seconds, out uint fraction, out uint captured, out uint length)
    {
        seconds = ReadUInt32(h, _bigEndian);
        fraction = ReadUInt32(h[4..], _bigEndian);
        captured = ReadUInt32(h[8..], _bigEndian);
        length = ReadUInt32(h[12..], _bigEndian);
        if (_lengthOrder == LengthOrder.Swapped || (_lengthOrder == LengthOrder.SwappedWhenCaplenAboveLen && captured > length))
            (captured, length) = (length, captured);
    }

    /// <summary>Seconds and fraction as ns since the epoch, in 64-bit arithmetic; <paramref name="carry"/> is the whole seconds the fraction held.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long Timestamp(uint seconds, uint fraction, out ushort carry)
    {
        ulong fractionNs = _nanoseconds ? fraction : fraction * 1000UL;
        carry = (ushort)(fractionNs / 1_000_000_000UL);
        return unchecked((long)(seconds * 1_000_000_000UL + fractionNs));
    }

    private void ThrowCaptureLength(uint captured)
    {
        if (captured <= _maxCaptured)
            throw new CaptureFileRecordTooLargeException(Name, Input.Offset, "a record", captured, _maxRecord);
        CaptureFileException.ThrowDamaged(Name, Input.Offset + 8, captured > _snapshot
            ? $"invalid record capture length {captured}, bigger than the snapshot length {_snapshot}"
            : $"invalid record capture length {captured}, bigger than the maximum {_maxCaptured} for link type {LinkTypeInfo.Name(_linkType)}");
    }

    private static ushort ReadUInt16(ReadOnlySpan<byte> s, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);

    private static uint ReadUInt32(ReadOnlySpan<byte> s, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
}
