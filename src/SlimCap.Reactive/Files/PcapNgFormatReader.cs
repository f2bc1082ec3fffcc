using System.Buffers;
using System.Buffers.Binary;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Files;

/// <summary>
/// pcapng in both byte orders: several sections, several interfaces with their own link types,
/// snapshot lengths and timestamp scales (if_tsresol, if_tsoffset), Enhanced, Simple and obsolete
/// Packet Blocks. Every other block type is skipped. A later section whose major version is not 1 is
/// skipped up to the next Section Header Block, as the specification asks; each section has its own
/// byte order.
/// </summary>
/// <remarks>
/// Checks follow libpcap 1.10 (block length, trailer, options of IDBs, interface ids, caplen against
/// the interface's snapshot length), without libpcap's limits on valid files: interfaces may differ in
/// link type and snapshot length, and a file without interfaces or packets is an empty file. A block
/// is delivered only after all of it, trailer included, has been read and checked.
/// </remarks>
internal sealed class PcapNgFormatReader : FormatReader
{
    internal const uint BlockTypeShb = 0x0A0D0D0A;
    private const uint BlockTypeIdb = 1, BlockTypePb = 2, BlockTypeSpb = 3, BlockTypeEpb = 6;
    private const uint ByteOrderMagic = 0x1A2B3C4D;
    private const int MaxInterfaces = 1 << 16;
    private const ushort OptEndOfOptions = 0, OptFlags = 2, OptTsResol = 9, OptTsOffset = 10;

    private readonly List<PcapNgInterface> _interfaces = new();
    private bool _bigEndian;
    private bool _skippingSection;
    private long _maxBlockSize = FileLimits.DefaultMaxBlockSize;
    private LinkType? _firstLinkType;
    private long _blockOffset;
    private readonly uint _maxRecord;
    private readonly long _maxHeldBlock;
    // A block skipped as it streams past: bytes still to pass before its trailer, its type and length for messages.
    private long _skipRemaining = -1;
    private uint _skipType, _skipLength;

    private PcapNgFormatReader(PipeByteReader input, string name, bool bigEndian, int maxRecordLength) : base(input, name)
    {
        _bigEndian = bigEndian;
        _maxRecord = (uint)maxRecordLength;
        _maxHeldBlock = maxRecordLength + (long)CaptureFileOptions.BlockOverhead;
    }

    internal override LinkType LinkType => _firstLinkType ?? LinkType.Ethernet;

    internal override CaptureFileFormat Format => CaptureFileFormat.PcapNg;

    /// <summary>
    /// Reads the first Section Header Block, then every block up to the first Interface Description
    /// Block, so <see cref="LinkType"/> is known. The input is at offset 0 with the block type buffered.
    /// </summary>
    internal static PcapNgFormatReader Open(PipeByteReader input, string name, int maxRecordLength)
    {
        if (input.Ensure(12) != ReadOutcome.Ready)
            CaptureFileException.ThrowDamaged(name, 0, $"not a capture file: a pcapng Section Header Block needs at least 12 bytes, the file has {input.Available}");
        Span<byte> scratch = stackalloc byte[16];
        ReadOnlySpan<byte> h = input.PeekSpan(12, scratch);
        uint bom = BinaryPrimitives.ReadUInt32LittleEndian(h[8..]);
        bool bigEndian;
        if (bom == ByteOrderMagic) bigEndian = false;
        else if (BinaryPrimitives.ReverseEndianness(bom) == ByteOrderMagic) bigEndian = true;
        else
        {
            CaptureFileException.ThrowDamaged(name, 8, $"not a capture file: pcapng byte-order magic 0x{bom:x8} is neither 1a2b3c4d nor 4d3c2b1a");
            return null!;
        }
        var reader = new PcapNgFormatReader(input, name, bigEndian, maxRecordLength);
        uint length = reader.U32(h[4..]);
        if (length < 28 || length > FileLimits.MaxFirstShbSize)
            CaptureFileException.ThrowDamaged(name, 4, $"the Section Header Block has an invalid length {length} (must be 28 to {FileLimits.MaxFirstShbSize})");
        if (input.Ensure(length) != ReadOutcome.Ready)
            CaptureFileException.ThrowTruncated(name, 0, "the Section Header Block", length, input.Available);
        h = input.PeekSpan(16, scratch);
        ushort major = reader.U16(h[12..]), minor = reader.U16(h[14..]);
        if (major != 1 || (minor != 0 && minor != 2))
            CaptureFileException.ThrowDamaged(name, 12, $"unsupported pcapng version {major}.{minor}");
        // libpcap reads the first SHB by its length alone: no trailer or alignment check here.
        input.Advance(length);
        ReadOutcome outcome = reader.Step(mayBlock: true, stopAtInterface: true, out _);
        // Reaching a packet first is impossible here: a packet before any interface is an error.
        System.Diagnostics.Debug.Assert(outcome != ReadOutcome.Ready);
        return reader;
    }

    internal override ReadOutcome Next(bool mayBlock, out FileRecord record) => Step(mayBlock, stopAtInterface: false, out record);

    private ReadOutcome Step(bool mayBlock, bool stopAtInterface, out FileRecord record)
    {
        record = default;
        Span<byte> scratch = stackalloc byte[8];
        Span<byte> shb = stackalloc byte[12];
        while (true)
        {
            if (_skipRemaining >= 0)
            {
                ReadOutcome skipped = ContinueSkip(mayBlock);
                if (skipped != ReadOutcome.Ready) return skipped;
                continue;
            }
            _blockOffset = Input.Offset;
            ReadOutcome fill = Input.Ensure(8, mayBlock);
            if (fill != ReadOutcome.Ready)
            {
                if (fill == ReadOutcome.End)
                {
                    if (Input.Available == 0) return ReadOutcome.End;
                    CaptureFileException.ThrowTruncated(Name, _blockOffset, "a block header", 8, Input.Available);
                }
                return fill; // Canceled or WouldBlock
            }
            ReadOnlySpan<byte> h = Input.PeekSpan(8, scratch);
            uint type = U32(h);
            bool bigEndian = _bigEndian;
            if (type == BlockTypeShb)
            {
                // A new section may switch the byte order: its length is read in the order its own magic gives.
                fill = Input.Ensure(12, mayBlock);
                if (fill != ReadOutcome.Ready)
                {
                    if (fill == ReadOutcome.End)
                        CaptureFileException.ThrowTruncated(Name, _blockOffset, "a Section Header Block", 12, Input.Available);
                    return fill; // Canceled or WouldBlock
                }
                Input.Peek(12).CopyTo(shb);
                uint bom = BinaryPrimitives.ReadUInt32LittleEndian(shb[8..]);
                if (bom == ByteOrderMagic) bigEndian = false;
                else if (BinaryPrimitives.ReverseEndianness(bom) == ByteOrderMagic) bigEndian = true;
                else Damaged($"a Section Header Block has a bad byte-order magic 0x{bom:x8}");
                h = shb;
            }
            uint length = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(h[4..]) : BinaryPrimitives.ReadUInt32LittleEndian(h[4..]);
            if (length < 12) Damaged($"block of type {type} has a length of {length}, less than 12");
            if (length % 4 != 0) Damaged($"block of type {type} has a length of {length}, not a multiple of 4");
            if (length > _maxBlockSize) Damaged($"block of type {type} has a length of {length}, more than the maximum {_maxBlockSize}");
            if (!IsHeldWhole(type))
            {
                // Nothing in it is read: it streams past, whatever its length, and only its trailer is checked.
                _skipRemaining = length - 4;
                _skipType = type;
                _skipLength = length;
                continue;
            }
            if (length > _maxHeldBlock)
                throw new CaptureFileRecordTooLargeException(Name, _blockOffset, $"a block of type {type}", length, _maxHeldBlock);
            fill = Input.Ensure(length, mayBlock);
            if (fill != ReadOutcome.Ready)
            {
                if (fill == ReadOutcome.End)
                    CaptureFileException.ThrowTruncated(Name, _blockOffset, $"a block of type {type}", length, Input.Available);
                return fill; // Canceled or WouldBlock
            }
            ReadOnlySequence<byte> block = Input.Peek(length);
            block.Slice(length - 4, 4).CopyTo(scratch);
            uint trailer = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(scratch) : BinaryPrimitives.ReadUInt32LittleEndian(scratch);
            if (trailer != length) Damaged($"block of type {type}: total length {length} in the header and {trailer} in the trailer differ");
            ReadOnlySequence<byte> body = block.Slice(8, length - 12);

            if (type == BlockTypeShb)
            {
                _bigEndian = bigEndian;
                ReadSectionHeader(body);
            }
            else if (!_skippingSection)
            {
                switch (type)
                {
                    case BlockTypeEpb:
                    case BlockTypePb:
                        ReadPacket(body, type, ref record);
                        record.Size = length;
                        return ReadOutcome.Ready;
                    case BlockTypeSpb:
                        ReadSimplePacket(body, ref record);
                        record.Size = length;
                        return ReadOutcome.Ready;
                    case BlockTypeIdb:
                        ReadInterface(body);
                        Input.Advance(length);
                        if (stopAtInterface) return ReadOutcome.End;
                        continue;
                }
            }
            Input.Advance(length);
        }
    }

    /// <summary>
    /// Per record, the common case: an Enhanced Packet Block of the current section that lies whole in the current
    /// pipe segment is checked and parsed from a span of it and viewed by (buffer, offset); no sequence is sliced.
    /// Only such blocks that pass every check <see cref="Step"/> makes are taken, with the same fields; anything
    /// else (another block type, a new section, damage, a block split across segments) is left for Step.
    /// </summary>
    internal override int AppendBuffered(FileBatch block, long maxFileBytes, int maxRecords)
    {
        if (_skippingSection || !Input.TryGetSegment(out PipeBuffer? buffer, out int start, out int available)) return 0;
        ReadOnlySpan<byte> segment = buffer.Array.AsSpan(start, available);
        int first = block.Count;
        int count = first;
        long fileBytes = block.FileBytes;
        int bufferIndex = -1;
        int position = 0;
        while (segment.Length - position >= 8)
        {
            ReadOnlySpan<byte> h = segment.Slice(position);
            if (U32(h) != BlockTypeEpb) break;
            uint length = U32(h[4..]);
            if (length < 32 || length % 4 != 0 || length > _maxBlockSize || length > _maxHeldBlock || length > (uint)h.Length) break;
            int size = (int)length;
            if (U32(h[(size - 4)..]) != length) break; // the trailer differs: Step reports it
            ReadOnlySpan<byte> body = h.Slice(8, size - 12);
            PacketFields packet = ReadPacketFields(body, BlockTypeEpb);
            if (packet.InterfaceId >= (uint)_interfaces.Count) break;
            PcapNgInterface iface = _interfaces[(int)packet.InterfaceId];
            if (!FitsLimits(packet.Captured, iface, body.Length)) break; // Step reports which limit
            if (count > 0 && (fileBytes + size > maxFileBytes || count >= maxRecords)) break;
            if (bufferIndex < 0) bufferIndex = block.ReferenceBuffer(buffer);
            PacketType direction = ReadDirection(body.Slice(OptionsOffset(packet.Captured)));
            block.AppendView(bufferIndex, start + position + 28, (int)packet.Captured, packet.Length, iface.ToNanoseconds(packet.Timestamp), 0,
                iface.LinkType, LinkTypeInfo.IpLayerOffset(iface.LinkType), (int)packet.InterfaceId, direction, size);
            position += size;
            count++;
            fileBytes += size;
        }
        if (position > 0) Input.Advance(position);
        return count - first;
    }

    /// <summary>Blocks the reader interprets and so must hold whole: section headers, and in a known section interfaces and packets.</summary>
    private bool IsHeldWhole(uint type) =>
        type == BlockTypeShb || (!_skippingSection && type is BlockTypeIdb or BlockTypeEpb or BlockTypePb or BlockTypeSpb);

    /// <summary>
    /// Passes the rest of a skipped block without buffering it (the pipe lets go of each buffer once passed), then
    /// checks its trailer. <see cref="ReadOutcome.Ready"/> here means "done, go on with the next block".
    /// </summary>
    private ReadOutcome ContinueSkip(bool mayBlock)
    {
        while (_skipRemaining > 0)
        {
            long available = Input.Available;
            if (available > 0)
            {
                long step = Math.Min(available, _skipRemaining);
                Input.Advance(step);
                _skipRemaining -= step;
                continue;
            }
            ReadOutcome fill = Input.Ensure(1, mayBlock);
            if (fill == ReadOutcome.End)
                CaptureFileException.ThrowTruncated(Name, _blockOffset, $"a block of type {_skipType}", _skipLength, Input.Offset - _blockOffset);
            if (fill != ReadOutcome.Ready) return fill; // Canceled or WouldBlock
        }
        ReadOutcome trailerFill = Input.Ensure(4, mayBlock);
        if (trailerFill == ReadOutcome.End)
            CaptureFileException.ThrowTruncated(Name, _blockOffset, $"a block of type {_skipType}", _skipLength, Input.Offset - _blockOffset + Input.Available);
        if (trailerFill != ReadOutcome.Ready) return trailerFill; // Canceled or WouldBlock
        Span<byte> scratch = stackalloc byte[4];
        uint trailer = U32(Input.PeekSpan(4, scratch));
        if (trailer != _skipLength) Damaged($"block of type {_skipType}: total length {_skipLength} in the header and {trailer} in the trailer differ");
        Input.Advance(4);
        _skipRemaining = -1;
        return ReadOutcome.Ready;
    }

    private void ReadSectionHeader(ReadOnlySequence<byte> body)
    {
        if (body.Length < 16) TooShort(BlockTypeShb, 16, body.Length);
        Span<byte> fixedPart = stackalloc byte[16];
        body.Slice(0, 16).CopyTo(fixedPart);
        // A section whose major version we do not know is skipped whole (pcapng "Physical File Layout").
        _skippingSection = U16(fixedPart[4..]) != 1;
        _interfaces.Clear();
    }

    private void ReadInterface(ReadOnlySequence<byte> body)
    {
        if (body.Length < 8) TooShort(BlockTypeIdb, 8, body.Length);
        if (_interfaces.Count >= MaxInterfaces) Damaged($"more than {MaxInterfaces} interfaces in one section");
        Span<byte> fixedPart = stackalloc byte[8];
        body.Slice(0, 8).CopyTo(fixedPart);
        var linkType = (LinkType)U16(fixedPart);
        uint snapLength = U32(fixedPart[4..]);
        ulong resolution = 1_000_000;
        bool binary = false, sawResolution = false, sawOffset = false;
        ulong offsetSeconds = 0;
        Span<byte> value = stackalloc byte[8];
        Span<byte> optionHeader = stackalloc byte[4];
        long position = 8, end = body.Length;
        while (position != end)
        {
            if (end - position < 4) TooShort(BlockTypeIdb, position + 4, end);
            body.Slice(position, 4).CopyTo(optionHeader);
            ushort code = U16(optionHeader), optionLength = U16(optionHeader[2..]);
            long padded = (optionLength + 3) & ~3;
            if (padded > end - position - 4) TooShort(BlockTypeIdb, position + 4 + padded, end);
            ReadOnlySequence<byte> optionValue = body.Slice(position + 4, optionLength);
            position += 4 + padded;
            if (code == OptEndOfOptions)
            {
                if (optionLength != 0) Damaged($"an Interface Description Block has an end-of-options option of length {optionLength}, not 0");
                break;
            }
            if (code == OptTsResol)
            {
                if (optionLength != 1) Damaged($"an Interface Description Block has an if_tsresol option of length {optionLength}, not 1");
                if (sawResolution) Damaged("an Interface Description Block has more than one if_tsresol option");
                sawResolution = true;
                byte r = optionValue.FirstSpan[0];
                if ((r & 0x80) != 0)
                {
                    int shift = r & 0x7F;
                    if (shift > 63) Damaged($"an Interface Description Block has if_tsresol 2^-{shift}, finer than 2^-63");
                    binary = true;
                    resolution = 1UL << shift;
                }
                else
                {
                    if (r > 19) Damaged($"an Interface Description Block has if_tsresol 10^-{r}, finer than 10^-19");
                    binary = false;
                    resolution = 1;
                    for (int i = 0; i < r; i++) resolution *= 10;
                }
            }
            else if (code == OptTsOffset)
            {
                if (optionLength != 8) Damaged($"an Interface Description Block has an if_tsoffset option of length {optionLength}, not 8");
                if (sawOffset) Damaged("an Interface Description Block has more than one if_tsoffset option");
                sawOffset = true;
                optionValue.CopyTo(value);
                offsetSeconds = _bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(value) : BinaryPrimitives.ReadUInt64LittleEndian(value);
            }
        }
        _maxBlockSize = Math.Max(_maxBlockSize, FileLimits.MaxBlockSize(linkType));
        _interfaces.Add(new PcapNgInterface(linkType, FileLimits.AdjustSnapLength(linkType, snapLength), resolution, binary, offsetSeconds));
        _firstLinkType ??= linkType;
    }

    private void ReadPacket(ReadOnlySequence<byte> body, uint type, ref FileRecord record)
    {
        if (body.Length < PacketFieldsSize) TooShort(type, PacketFieldsSize, body.Length);
        Span<byte> f = stackalloc byte[PacketFieldsSize];
        body.Slice(0, PacketFieldsSize).CopyTo(f);
        PacketFields packet = ReadPacketFields(f, type);
        PcapNgInterface iface = Interface(packet.InterfaceId);
        uint captured = packet.Captured;
        if (!FitsLimits(captured, iface, body.Length))
        {
            if (captured > iface.Snapshot)
                Damaged($"invalid packet capture length {captured}, bigger than the interface's snapshot length {iface.Snapshot}");
            if (captured > _maxRecord) throw new CaptureFileRecordTooLargeException(Name, _blockOffset, "a packet", captured, _maxRecord);
            TooShort(type, PacketFieldsSize + (long)captured, body.Length);
        }
        record.Data = body.Slice(PacketFieldsSize, captured);
        record.TotalLength = packet.Length;
        record.TimestampNanoseconds = iface.ToNanoseconds(packet.Timestamp);
        record.LinkType = iface.LinkType;
        record.InterfaceIndex = (int)packet.InterfaceId;
        record.Type = ReadDirection(body.Slice(OptionsOffset(captured)));
    }

    /// <summary>The fixed fields of an Enhanced or (obsolete) Packet Block: the first <see cref="PacketFieldsSize"/> bytes of its body.</summary>
    private readonly record struct PacketFields(uint InterfaceId, ulong Timestamp, uint Captured, uint Length);

    private const int PacketFieldsSize = 20;

    private PacketFields ReadPacketFields(ReadOnlySpan<byte> f, uint type) =>
        // The obsolete Packet Block has a 16-bit interface id followed by a drops count.
        new(type == BlockTypeEpb ? U32(f) : U16(f), ((ulong)U32(f[4..]) << 32) | U32(f[8..]), U32(f[12..]), U32(f[16..]));

    /// <summary>Whether a packet of <paramref name="captured"/> bytes is within the interface's snapshot length, the
    /// record limit and its block's body: the one rule both paths apply (the fast one skips, Step names the breach).</summary>
    private bool FitsLimits(uint captured, PcapNgInterface iface, long bodyLength) =>
        captured <= iface.Snapshot && captured <= _maxRecord && captured <= bodyLength - PacketFieldsSize;

    /// <summary>Where a packet block's options start in its body: after the fields and the data padded to 32 bits.</summary>
    private static int OptionsOffset(uint captured) => PacketFieldsSize + (int)((captured + 3) & ~3u);

    private void ReadSimplePacket(ReadOnlySequence<byte> body, ref FileRecord record)
    {
        if (body.Length < 4) TooShort(BlockTypeSpb, 4, body.Length);
        Span<byte> f = stackalloc byte[4];
        body.Slice(0, 4).CopyTo(f);
        uint length = U32(f);
        // A Simple Packet Block belongs to interface 0 and has no timestamp and no caplen of its own.
        PcapNgInterface iface = Interface(0);
        long captured = Math.Min(length, iface.Snapshot);
        if (captured > _maxRecord) throw new CaptureFileRecordTooLargeException(Name, _blockOffset, "a packet", captured, _maxRecord);
        if (captured > body.Length - 4) TooShort(BlockTypeSpb, 4 + captured, body.Length);
        record.Data = body.Slice(4, captured);
        record.TotalLength = length;
        record.TimestampNanoseconds = iface.ToNanoseconds(0);
        record.LinkType = iface.LinkType;
        record.InterfaceIndex = 0;
        record.Type = PacketType.Unknown;
    }

    /// <summary>
    /// The direction in epb_flags, when present. Options of packet blocks are not validated (libpcap
    /// does not either): a malformed list just yields <see cref="PacketType.Unknown"/>.
    /// </summary>
    private PacketType ReadDirection(ReadOnlySequence<byte> options)
    {
        if (options.IsSingleSegment) return ReadDirection(options.FirstSpan);
        // A block split across pipe segments (rare): its options, bounded by the held block, are copied to be walked.
        byte[] copy = ArrayPool<byte>.Shared.Rent((int)options.Length);
        try
        {
            options.CopyTo(copy);
            return ReadDirection(copy.AsSpan(0, (int)options.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <summary>The direction in epb_flags, when present (see <see cref="ReadDirection(ReadOnlySequence{byte})"/>).</summary>
    private PacketType ReadDirection(ReadOnlySpan<byte> options)
    {
        int position = 0;
        while (options.Length - position >= 4)
        {
            ReadOnlySpan<byte> header = options.Slice(position);
            ushort code = U16(header), optionLength = U16(header[2..]);
            if (code == OptEndOfOptions) break;
            if (code == OptFlags && optionLength == 4 && options.Length - position >= 8)
                return PacketDirection.FromEpbFlags(U32(header[4..]));
            position += 4 + ((optionLength + 3) & ~3);
        }
        return PacketType.Unknown;
    }

    private PcapNgInterface Interface(uint interfaceId)
    {
        if (interfaceId >= (uint)_interfaces.Count)
            Damaged($"a packet names interface {interfaceId}, but the section describes {_interfaces.Count} interface(s)");
        return _interfaces[(int)interfaceId];
    }

    private void Damaged(string problem) => CaptureFileException.ThrowDamaged(Name, _blockOffset, problem);

    private void TooShort(uint type, long needed, long has) =>
        Damaged($"block of type {type} is too short: its body needs {needed} bytes, it has {has}");

    private ushort U16(ReadOnlySpan<byte> s) => _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);

    private uint U32(ReadOnlySpan<byte> s) => _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
}
