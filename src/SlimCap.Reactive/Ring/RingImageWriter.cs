using static SlimCap.Reactive.Ring.TPacketV3;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Ring;

/// <summary>
/// Writes packets into a heap ring exactly as the kernel's tpacket_rcv does for TPACKET_V3:
/// block descriptor, tpacket3_hdr + sockaddr_ll per packet, the frame at the kernel's MAC offset,
/// TPACKET_ALIGN'ed next offsets, the last packet's next offset 0, and the status flip to
/// TP_STATUS_USER when the block is retired. Single writer thread.
/// </summary>
internal sealed unsafe class RingImageWriter
{
    private readonly RingMemory _memory;
    private readonly RingReader _reader;
    private readonly int _blockSize;
    private readonly int _blockCount;
    private readonly int _macLength;
    private readonly int _snapLength;
    private readonly int _interfaceIndex;
    private int _fill;
    private int _pos;
    private int _count;
    private int _lastHeader;
    private long _firstTs, _lastTs;
    private long _sequence;
    private bool _open;

    public RingImageWriter(RingMemory memory, RingReader reader, int snapLength, int interfaceIndex)
    {
        _memory = memory;
        _reader = reader;
        _blockSize = reader.BlockSize;
        _blockCount = reader.BlockCount;
        _macLength = Math.Max(0, reader.IpLayerOffset);
        _snapLength = snapLength;
        _interfaceIndex = interfaceIndex;
    }

    /// <summary>Packets in the block being filled.</summary>
    public int PendingPackets => _count;

    /// <summary>Bytes a frame of this length occupies in a block, header included.</summary>
    public int SlotSize(int frameLength) => Align(MacOffset(_macLength) + Math.Min(frameLength, _snapLength));

    /// <summary>
    /// Appends one frame. False when it cannot: the block is full and the next one is still the
    /// reader's, or the frame can never fit a block.
    /// </summary>
    public bool TryAdd(ReadOnlySpan<byte> frame, PacketType type, long totalLength, long timestampNs,
        ushort vlanTci, ushort vlanTpid, bool hasVlan)
    {
        int mac = MacOffset(_macLength);
        int snap = Math.Min(frame.Length, _snapLength);
        if (BlockDescriptorSize + mac + snap > _blockSize) return false;
        if (_open && _pos + mac + snap > _blockSize) Retire();
        if (!_open && !TryOpen()) return false;

        byte* block = BlockAddress(_fill);
        byte* h = block + _pos;
        new Span<byte>(h, mac).Clear();
        if (_count > 0) *(uint*)(block + _lastHeader + HdrNextOffset) = (uint)(_pos - _lastHeader);
        *(uint*)(h + HdrSec) = (uint)(timestampNs / 1_000_000_000L);
        *(uint*)(h + HdrNsec) = (uint)(timestampNs % 1_000_000_000L);
        *(uint*)(h + HdrSnaplen) = (uint)snap;
        *(uint*)(h + HdrLen) = (uint)Math.Clamp(totalLength, snap, uint.MaxValue);
        uint status = StatusUser;
        if (hasVlan) status |= StatusVlanValid;
        if (vlanTpid != 0) status |= StatusVlanTpidValid;
        *(uint*)(h + HdrStatus) = status;
        *(ushort*)(h + HdrMac) = (ushort)mac;
        *(ushort*)(h + HdrNet) = (ushort)(mac + _macLength);
        *(uint*)(h + HdrVlanTci) = vlanTci;
        *(ushort*)(h + HdrVlanTpid) = vlanTpid;
        *(ushort*)(h + SllFamily) = 17;
        *(int*)(h + SllIfIndex) = _interfaceIndex;
        *(ushort*)(h + SllHaType) = 1;
        h[SllPktType] = (byte)type;
        h[SllHaLen] = 6;
        frame[..snap].CopyTo(new Span<byte>(h + mac, snap));

        if (_count == 0) _firstTs = timestampNs;
        _lastTs = timestampNs;
        _lastHeader = _pos;
        _pos = Align(_pos + mac + snap);
        _count++;
        return true;
    }

    /// <summary>
    /// Tests only: overwrites bytes of the last packet header written (at <paramref name="fieldOffset"/> from it), to
    /// build the damaged headers the ring's walks must stop at without reading outside the block.
    /// </summary>
    internal void PatchLastHeaderForTests(int fieldOffset, ReadOnlySpan<byte> bytes)
    {
        if (!_open || _count == 0 || fieldOffset < 0 || fieldOffset + bytes.Length > HeaderAndSllSize)
            throw new InvalidOperationException("No pending packet header to patch there.");
        bytes.CopyTo(new Span<byte>(BlockAddress(_fill) + _lastHeader + fieldOffset, bytes.Length));
    }

    /// <summary>Retires the block being filled (if it holds packets), handing it to the reader.</summary>
    public void Retire(uint extraStatus = 0, bool evenIfEmpty = false)
    {
        if (!_open && evenIfEmpty && !TryOpen()) return;
        if (!_open || (_count == 0 && !evenIfEmpty)) return;
        byte* block = BlockAddress(_fill);
        if (_count > 0) *(uint*)(block + _lastHeader + HdrNextOffset) = 0;
        *(uint*)(block + BlockVersion) = 1;
        *(uint*)(block + BlockOffsetToPriv) = BlockDescriptorSize;
        *(uint*)(block + BlockNumPackets) = (uint)_count;
        *(uint*)(block + BlockOffsetToFirstPacket) = BlockDescriptorSize;
        *(uint*)(block + BlockLength) = (uint)_pos;
        *(ulong*)(block + BlockSequence) = (ulong)++_sequence;
        *(uint*)(block + BlockFirstSec) = (uint)(_firstTs / 1_000_000_000L);
        *(uint*)(block + BlockFirstNsec) = (uint)(_firstTs % 1_000_000_000L);
        *(uint*)(block + BlockLastSec) = (uint)(_lastTs / 1_000_000_000L);
        *(uint*)(block + BlockLastNsec) = (uint)(_lastTs % 1_000_000_000L);
        WriteStatus(block, StatusUser | extraStatus);
        _open = false;
        _count = 0;
        _fill = _fill + 1 == _blockCount ? 0 : _fill + 1;
    }

    /// <summary>Hands a released block straight back to the reader, contents unchanged (replay).</summary>
    public void Republish(int index)
    {
        byte* block = BlockAddress(index);
        *(ulong*)(block + BlockSequence) = (ulong)Interlocked.Increment(ref _sequence);
        WriteStatus(block, StatusUser);
    }

    /// <summary>Packets in block <paramref name="index"/> as last retired.</summary>
    public int PacketsIn(int index) => (int)*(uint*)(BlockAddress(index) + BlockNumPackets);

    private bool TryOpen()
    {
        byte* block = BlockAddress(_fill);
        if (_reader.Slot(_fill).IsHeld || ReadStatus(block) != StatusKernel) return false;
        _open = true;
        _pos = BlockDescriptorSize;
        _count = 0;
        return true;
    }

    private byte* BlockAddress(int index) => _memory.Address + (long)index * _blockSize;
}
