using System.Runtime.CompilerServices;
using static SlimCap.Reactive.Ring.TPacketV3;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Ring;

/// <summary>
/// One block slot of a TPACKET_V3 ring: the storage behind the <see cref="PacketBlock"/> leases of that slot.
/// There is one object per slot for the ring's lifetime. When a lease's last holder lets go, the block goes
/// back to the kernel (status TP_STATUS_KERNEL).
/// </summary>
/// <remarks>
/// Every walk checks each header against the block's bounds before reading through it, so a walk that races the
/// kernel refilling the block (a holder that lost a race with the lease's end) reads inside the block only; the
/// ring's memory itself is never unmapped while the process lives (<see cref="RingMemory"/>).
/// </remarks>
internal sealed unsafe class RingBlock : BlockStorage
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
    }

    internal int Index { get; }

    /// <summary>The ring this slot belongs to.</summary>
    internal RingReader Reader => _reader;

    internal int BlockSize => _blockSize;

    /// <summary>True from lease until the block was handed back to the kernel.</summary>
    internal bool IsHeld => Volatile.Read(ref _held) != 0;

    internal byte* BlockAddress => _block;

    /// <summary>Leases the block, whose status the caller saw as TP_STATUS_USER (on <paramref name="spare"/>, see <see cref="BlockStorage"/>); null once the ring was revoked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal PacketBlock? Lease(PacketBlock? spare = null)
    {
        Volatile.Write(ref _held, 1);
        uint count = U32(_block, BlockNumPackets);
        uint first = U32(_block, BlockOffsetToFirstPacket);
        // Trust nothing that would lead outside the block.
        _firstOffset = first >= BlockDescriptorSize && first <= (uint)(_blockSize - HeaderAndSllSize) ? (int)first : 0;
        int packets = _firstOffset == 0 ? 0 : (int)Math.Min(count, (uint)(_blockSize / HeaderSize));
        long firstTs = U32(_block, BlockFirstSec) * 1_000_000_000L + U32(_block, BlockFirstNsec);
        long lastTs = U32(_block, BlockLastSec) * 1_000_000_000L + U32(_block, BlockLastNsec);
        PacketBlock? lease = Lease((long)*(ulong*)(_block + BlockSequence), packets, firstTs, lastTs, spare);
        if (lease is null) Volatile.Write(ref _held, 0);
        return lease;
    }

    /// <summary>
    /// Steps over the packet at <paramref name="cursor"/>: the checks every walk of this block makes, so all of them
    /// stop at the same packet. False (nothing read beyond the block) when the header or its data would not lie
    /// whole inside the block; otherwise the header's address and offset, the data's offset from the header and its
    /// captured length, with <paramref name="cursor"/> moved to the next packet (-1 after the last).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryStep(ref int cursor, out byte* header, out int position, out int mac, out uint snap)
    {
        int pos = cursor == 0 ? _firstOffset : cursor;
        if (pos <= 0 || RawCount == 0 || pos > _blockSize - HeaderAndSllSize)
        {
            header = null;
            position = mac = 0;
            snap = 0;
            return false;
        }
        byte* h = _block + pos;
        uint room = (uint)(_blockSize - pos);
        mac = U16(h, HdrMac);
        snap = U32(h, HdrSnaplen);
        if ((uint)mac > room || snap > room - (uint)mac)
        {
            header = null; // a header pointing outside the block: stop here rather than read beyond it
            position = 0;
            return false;
        }
        uint next = U32(h, HdrNextOffset);
        cursor = next == 0 || next > room ? -1 : pos + (int)next;
        header = h;
        position = pos;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override bool ReadNext(PacketBlock owner, int generation, ref int cursor, out PacketRef packet)
    {
        if (!TryStep(ref cursor, out byte* h, out int pos, out int mac, out uint snap))
        {
            packet = default;
            return false;
        }
        uint status = U32(h, HdrStatus);
        ushort tci = (ushort)U32(h, HdrVlanTci);
        bool hasVlan = (status & StatusVlanValid) != 0 || tci != 0;
        ushort tpid = (status & StatusVlanTpidValid) != 0 ? U16(h, HdrVlanTpid) : (ushort)0;
        packet = new PacketRef(owner, generation, new PacketMetadata(pos + mac, (int)snap, U32(h, HdrLen),
            U32(h, HdrSec) * 1_000_000_000L + U32(h, HdrNsec),
            (PacketType)h[SllPktType], _reader.IpLayerOffset, _reader.LinkType, *(int*)(h + SllIfIndex),
            tci, tpid, hasVlan));
        return true;
    }

    /// <summary>The walk of <see cref="ReadNextPayload"/> (same checks, same stop) as one loop with the visitor inlined.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override int VisitRaw<TVisitor>(ref TVisitor visitor, int limit)
    {
        int count = 0, cursor = 0;
        int ipLayerOffset = _reader.IpLayerOffset;
        while (count < limit && TryStep(ref cursor, out byte* h, out int pos, out int mac, out uint snap))
            visitor.Visit(count++, pos, new ReadOnlySpan<byte>(h + mac, (int)snap), ipLayerOffset); // ReadNext takes pos as the cursor
        return count;
    }

    /// <summary>The walk of <see cref="ReadNextPayload"/> (same checks, same stop) as one loop around the callback: <c>Dispatch</c>'s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override int VisitPayloads<TState>(PacketBlock owner, int generation, TState state, PacketCallback<TState> callback, ref int cursor, int limit)
    {
        int count = 0, at = cursor; // a local, so the walk keeps it in a register across the callback's calls
        int ipLayerOffset = _reader.IpLayerOffset;
        while (count < limit)
        {
            if (!TryStep(ref at, out byte* h, out _, out int mac, out uint snap))
            {
                owner.ThrowIfStale(generation); // an end that a release made (zero pages) is no end: say so
                break;
            }
            uint totalLength = U32(h, HdrLen);
            PacketType type = (PacketType)h[SllPktType];
            // After the header's reads, so a callback never gets a header that a release (the kernel refilling the
            // block, or the zero pages of a closed ring) changed under the walk: its length and type are the ones
            // read while the lease was current.
            owner.ThrowIfStale(generation);
            count++;
            cursor = at; // before the callback runs, as ReadNextPayload moves it: a callback that throws leaves it past its packet
            callback(state, new ReadOnlySpan<byte>(h + mac, (int)snap), totalLength, type, ipLayerOffset);
        }
        return count;
    }

    /// <summary>Steps over a packet without decoding it, stopping where <see cref="ReadNext"/> would.</summary>
    internal override bool SkipNext(ref int cursor) => TryStep(ref cursor, out _, out _, out _, out _);

    /// <summary>The callback's walk: the same checks as <see cref="ReadNext"/>, reading only the fields it passes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override bool ReadNextPayload(ref int cursor, out ReadOnlySpan<byte> data, out long totalLength, out PacketType type, out int ipLayerOffset)
    {
        if (!TryStep(ref cursor, out byte* h, out _, out int mac, out uint snap))
            return NoPayload(out data, out totalLength, out type, out ipLayerOffset);
        data = new ReadOnlySpan<byte>(h + mac, (int)snap);
        totalLength = U32(h, HdrLen);
        type = (PacketType)h[SllPktType];
        ipLayerOffset = _reader.IpLayerOffset;
        return true;
    }

    /// <summary>The operators' walk: the same checks as <see cref="ReadNext"/> (so the same packets), reading only the type.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override bool ReadNextType(ref int cursor, out PacketType type)
    {
        if (!TryStep(ref cursor, out byte* h, out _, out _, out _))
        {
            type = PacketType.Unknown;
            return false;
        }
        type = (PacketType)h[SllPktType];
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override ReadOnlySpan<byte> GetSpan(int offset, int length) =>
        (uint)offset <= (uint)_blockSize && (uint)length <= (uint)(_blockSize - offset) ? new(_block + offset, length) : default;

    internal override ReadOnlyMemory<byte> GetBytes() => _reader.GetBlockMemory(Index);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected override void OnReleased()
    {
        // Kernel first, then the slot: the reader treats a slot that is no longer held as the kernel's. The write
        // holds the ring's memory, so a ring being closed meanwhile is not swapped out under it.
        _reader.HandBack(this);
    }

    /// <summary>Writes TP_STATUS_KERNEL and frees the slot; the caller holds a reference on the ring's memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void WriteKernelStatus()
    {
        WriteStatus(_block, StatusKernel);
        Volatile.Write(ref _held, 0);
    }
}
