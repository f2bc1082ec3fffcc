using static SlimCap.Reactive.Ring.TPacketV3;

namespace SlimCap.Reactive.Ring;

/// <summary>
/// One block slot of a TPACKET_V3 ring, leased out as a <see cref="PacketBlock"/>. There is one
/// object per slot for the ring's lifetime, so leasing allocates nothing. Disposing the lease hands
/// the block back to the kernel (status TP_STATUS_KERNEL).
/// </summary>
internal sealed unsafe class RingBlock : PacketBlock
{
    private readonly RingReader _reader;
    private readonly byte* _block;
    private readonly int _blockSize;
    private int _firstOffset;
    private int _held; // 1 from lease until the kernel owns the block again

    internal RingBlock(RingReader reader, byte* block, int blockSize, int index)
    {
        _reader = reader;
        _block = block;
        _blockSize = blockSize;
        Index = index;
        // The smallest packet slot is a header, sockaddr_ll and a 16-byte MAC area.
        ReserveSelection(blockSize / MacOffset(0));
    }

    internal int Index { get; }

    /// <summary>True from lease until the block was handed back to the kernel.</summary>
    internal bool IsHeld => Volatile.Read(ref _held) != 0;

    internal byte* BlockAddress => _block;

    /// <summary>Leases the block, whose status the caller saw as TP_STATUS_USER.</summary>
    internal void Lease()
    {
        Volatile.Write(ref _held, 1);
        uint count = U32(_block, BlockNumPackets);
        uint first = U32(_block, BlockOffsetToFirstPacket);
        // Trust nothing that would lead outside the block.
        _firstOffset = first >= BlockDescriptorSize && first <= (uint)(_blockSize - HeaderAndSllSize) ? (int)first : 0;
        int packets = _firstOffset == 0 ? 0 : (int)Math.Min(count, (uint)(_blockSize / HeaderSize));
        long firstTs = U32(_block, BlockFirstSec) * 1_000_000_000L + U32(_block, BlockFirstNsec);
        long lastTs = U32(_block, BlockLastSec) * 1_000_000_000L + U32(_block, BlockLastNsec);
        Activate((long)*(ulong*)(_block + BlockSequence), packets, firstTs, lastTs);
    }

    private protected override bool ReadNext(ref int cursor, out PacketRef packet) => ReadRawFor(this, Generation, ref cursor, out packet);

    /// <summary>Decodes the packet straight into <paramref name="owner"/>'s lease, so a view's read builds one PacketRef, not two.</summary>
    internal override bool ReadRawFor(PacketBlock owner, int generation, ref int cursor, out PacketRef packet)
    {
        int pos = cursor == 0 ? _firstOffset : cursor;
        if (pos <= 0 || RawPacketCount == 0 || pos > _blockSize - HeaderAndSllSize)
        {
            packet = default;
            return false;
        }
        byte* h = _block + pos;
        uint next = U32(h, HdrNextOffset);
        uint snap = U32(h, HdrSnaplen);
        int mac = U16(h, HdrMac);
        uint room = (uint)(_blockSize - pos);
        if ((uint)mac > room || snap > room - (uint)mac)
        {
            packet = default; // a header pointing outside the block: stop here rather than read beyond it
            return false;
        }
        uint status = U32(h, HdrStatus);
        ushort tci = (ushort)U32(h, HdrVlanTci);
        bool hasVlan = (status & StatusVlanValid) != 0 || tci != 0;
        ushort tpid = (status & StatusVlanTpidValid) != 0 ? U16(h, HdrVlanTpid) : (ushort)0;
        packet = new PacketRef(owner, generation, pos + mac, (int)snap, U32(h, HdrLen),
            U32(h, HdrSec) * 1_000_000_000L + U32(h, HdrNsec),
            (PacketType)h[SllPktType], _reader.IpLayerOffset, _reader.LinkType, *(int*)(h + SllIfIndex),
            tci, tpid, hasVlan);
        cursor = next == 0 || next > room ? -1 : pos + (int)next;
        return true;
    }

    /// <summary>The walk of <see cref="ReadNextPayload"/> (same checks, same stop) as one loop with the visitor inlined.</summary>
    internal override int VisitRaw<TVisitor>(ref TVisitor visitor, int limit)
    {
        int generation = CurrentGeneration;
        int count = 0;
        int pos = _firstOffset;
        int ipLayerOffset = _reader.IpLayerOffset;
        if (RawPacketCount == 0) return 0;
        while (count < limit && pos > 0 && pos <= _blockSize - HeaderAndSllSize)
        {
            byte* h = _block + pos;
            uint room = (uint)(_blockSize - pos);
            int mac = U16(h, HdrMac);
            uint snap = U32(h, HdrSnaplen);
            if ((uint)mac > room || snap > room - (uint)mac) break;
            uint next = U32(h, HdrNextOffset);
            visitor.Visit(count++, pos, new ReadOnlySpan<byte>(h + mac, (int)snap), ipLayerOffset); // ReadNext takes pos as the cursor
            pos = next == 0 || next > room ? -1 : pos + (int)next;
        }
        ThrowIfStale(generation);
        return count;
    }

    /// <summary>Steps over a packet: the same checks as <see cref="ReadNext"/>, so it stops where ReadNext would, and no decoding.</summary>
    private protected override bool SkipNext(ref int cursor)
    {
        int pos = cursor == 0 ? _firstOffset : cursor;
        if (pos <= 0 || RawPacketCount == 0 || pos > _blockSize - HeaderAndSllSize) return false;
        byte* h = _block + pos;
        uint room = (uint)(_blockSize - pos);
        int mac = U16(h, HdrMac);
        if ((uint)mac > room || U32(h, HdrSnaplen) > room - (uint)mac) return false;
        uint next = U32(h, HdrNextOffset);
        cursor = next == 0 || next > room ? -1 : pos + (int)next;
        return true;
    }

    /// <summary>The callback's walk: the same checks as <see cref="ReadNext"/>, reading only the fields it passes.</summary>
    private protected override bool ReadNextPayload(ref int cursor, out ReadOnlySpan<byte> data, out long totalLength, out PacketType type, out int ipLayerOffset)
    {
        int pos = cursor == 0 ? _firstOffset : cursor;
        byte* h = _block + pos;
        uint room = (uint)(_blockSize - pos);
        if (pos <= 0 || RawPacketCount == 0 || pos > _blockSize - HeaderAndSllSize
            || U16(h, HdrMac) is var mac && ((uint)mac > room || U32(h, HdrSnaplen) > room - (uint)mac))
        {
            return NoPayload(out data, out totalLength, out type, out ipLayerOffset);
        }
        uint next = U32(h, HdrNextOffset);
        data = new ReadOnlySpan<byte>(h + mac, (int)U32(h, HdrSnaplen));
        totalLength = U32(h, HdrLen);
        type = (PacketType)h[SllPktType];
        ipLayerOffset = _reader.IpLayerOffset;
        cursor = next == 0 || next > room ? -1 : pos + (int)next;
        return true;
    }

    /// <summary>The operators' walk: the same checks as <see cref="ReadNext"/> (so the same packets), reading only the type.</summary>
    private protected override bool ReadNextType(ref int cursor, out PacketType type)
    {
        int pos = cursor == 0 ? _firstOffset : cursor;
        byte* h = _block + pos;
        uint room = (uint)(_blockSize - pos);
        if (pos <= 0 || RawPacketCount == 0 || pos > _blockSize - HeaderAndSllSize
            || U16(h, HdrMac) is var mac && ((uint)mac > room || U32(h, HdrSnaplen) > room - (uint)mac))
        {
            type = PacketType.Unknown;
            return false;
        }
        uint next = U32(h, HdrNextOffset);
        type = (PacketType)h[SllPktType];
        cursor = next == 0 || next > room ? -1 : pos + (int)next;
        return true;
    }

    internal override ReadOnlySpan<byte> GetSpan(int offset, int length) => new(_block + offset, length);

    private protected override Memory<byte> GetMemory() => _reader.GetBlockMemory(Index);

    private protected override bool HasPrivateMemory => false;

    private protected override void OnReleased()
    {
        // Kernel first, then the slot: the reader treats a slot that is no longer held as the kernel's.
        WriteStatus(_block, StatusKernel);
        Volatile.Write(ref _held, 0);
        _reader.OnBlockReleased(this);
    }
}
