using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Capture;

/// <summary>
/// A socket source's batch of packets: one buffer holding the packets of a <c>recvmmsg</c> batch (or several) one
/// after another, each behind a small fixed header (also the storage of the tests' in-memory blocks). The source
/// appends packets into a rented batch, then leases it out as a <see cref="PacketBlock"/>; when the lease's last
/// holder lets go, the batch returns to its <see cref="SocketBatchPool"/>.
/// </summary>
/// <remarks>
/// The headers are the library's own and never exposed writable (<see cref="PacketBlock"/> hands out no writable
/// memory); a walk still checks each against the bytes appended, so a walk racing the buffer's reuse stops inside it.
/// </remarks>
internal sealed class SocketBatch : BlockStorage
{
    // Record layout (little-endian, 8-byte aligned): the header, then CapturedLength data bytes.
    internal const int HeaderSize = 40;
    private const int OffCaptured = 0, OffInterface = 4, OffTotal = 8, OffTimestamp = 16, OffType = 24,
        OffFlags = 25, OffVlanTci = 26, OffVlanTpid = 28, OffLinkType = 30, OffIpOffset = 32;

    private readonly StoragePool<SocketBatch> _pool;
    private readonly byte[] _buffer;
    private int _used;
    private int _count;
    private long _firstTs, _lastTs;

    internal SocketBatch(StoragePool<SocketBatch> pool, int capacity)
    {
        _pool = pool;
        _buffer = GC.AllocateUninitializedArray<byte>(capacity, pinned: true);
    }

    /// <summary>Bytes still free for one more record's data (after its header).</summary>
    internal int FreeDataBytes => Math.Max(0, _buffer.Length - Align(_used) - HeaderSize);

    internal int Count => _count;

    internal int Capacity => _buffer.Length;

    /// <summary>Space for the next record's data; fill it, then <see cref="Commit"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal Span<byte> GetAppendSpan() => _buffer.AsSpan(Align(_used) + HeaderSize);

    /// <summary>Appends one record whose data was written into <see cref="GetAppendSpan"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Commit(int capturedLength, long totalLength, long timestampNs, PacketType type, int ipLayerOffset,
        LinkType linkType, int interfaceIndex, ushort vlanTci = 0, ushort vlanTpid = 0, bool hasVlan = false)
    {
        int start = Align(_used);
        Span<byte> h = _buffer.AsSpan(start, HeaderSize);
        BinaryPrimitives.WriteInt32LittleEndian(h[OffCaptured..], capturedLength);
        BinaryPrimitives.WriteInt32LittleEndian(h[OffInterface..], interfaceIndex);
        BinaryPrimitives.WriteInt64LittleEndian(h[OffTotal..], totalLength);
        BinaryPrimitives.WriteInt64LittleEndian(h[OffTimestamp..], timestampNs);
        h[OffType] = (byte)type;
        h[OffFlags] = hasVlan ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt16LittleEndian(h[OffVlanTci..], vlanTci);
        BinaryPrimitives.WriteUInt16LittleEndian(h[OffVlanTpid..], vlanTpid);
        BinaryPrimitives.WriteUInt16LittleEndian(h[OffLinkType..], (ushort)linkType);
        BinaryPrimitives.WriteInt16LittleEndian(h[OffIpOffset..], (short)ipLayerOffset);
        _used = start + HeaderSize + capturedLength;
        if (_count == 0) _firstTs = timestampNs;
        _lastTs = timestampNs;
        _count++;
    }

    /// <summary>Offset in the buffer where <see cref="GetAppendSpan"/> begins: the next record's data.</summary>
    internal int AppendDataOffset => Align(_used) + HeaderSize;

    /// <summary>
    /// Appends one record whose <paramref name="capturedLength"/> bytes were written at
    /// <paramref name="dataOffset"/>, at or after <see cref="AppendDataOffset"/>, and moves them down
    /// to it when they lie further on. A batch receive writes each packet into a slot sized for the
    /// snap length, not knowing its length in advance; the move keeps the records packed, so a block
    /// of small packets holds as many as when they were received one by one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void CommitAt(int dataOffset, int capturedLength, long totalLength, long timestampNs, PacketType type, int ipLayerOffset,
        LinkType linkType, int interfaceIndex, ushort vlanTci, ushort vlanTpid, bool hasVlan)
    {
        int target = AppendDataOffset;
        if (dataOffset < target || capturedLength < 0 || (long)dataOffset + capturedLength > _buffer.Length)
            throw new ArgumentOutOfRangeException(nameof(dataOffset), $"{capturedLength} bytes at {dataOffset} are not within the free part [{target}, {_buffer.Length}).");
        // Overlap is fine: Span.CopyTo behaves as memmove. Everything written for this record (its
        // header before target, its data after) ends no later than its own slot's data did, so the
        // slots still to be moved are never overwritten.
        if (dataOffset != target) _buffer.AsSpan(dataOffset, capturedLength).CopyTo(_buffer.AsSpan(target));
        Commit(capturedLength, totalLength, timestampNs, type, ipLayerOffset, linkType, interfaceIndex, vlanTci, vlanTpid, hasVlan);
    }

    /// <summary>Appends a copy of <paramref name="data"/> as one record. False when it does not fit.</summary>
    internal bool TryAppend(ReadOnlySpan<byte> data, long totalLength, long timestampNs, PacketType type, int ipLayerOffset,
        LinkType linkType, int interfaceIndex, ushort vlanTci = 0, ushort vlanTpid = 0, bool hasVlan = false)
    {
        if (data.Length > FreeDataBytes) return false;
        data.CopyTo(GetAppendSpan());
        Commit(data.Length, totalLength, timestampNs, type, ipLayerOffset, linkType, interfaceIndex, vlanTci, vlanTpid, hasVlan);
        return true;
    }

    /// <summary>Leases the block with what was appended; null once its pool was revoked (the source is closing).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal PacketBlock? Publish(long sequenceNumber, PacketBlock? spare = null) => Lease(sequenceNumber, _count, _firstTs, _lastTs, spare);

    /// <summary>Empties a rented block that was not published and gives it back.</summary>
    internal void Discard()
    {
        Reset();
        _pool.Return(this);
    }

    /// <summary>Empties a rented block before it is filled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Reset()
    {
        _used = 0;
        _count = 0;
        _firstTs = _lastTs = 0;
    }

    /// <summary>
    /// Where the record at <paramref name="cursor"/> starts and how many data bytes it has, checked against what was
    /// appended (so the walk only moves forward and stays inside the buffer); false at the end.
    /// </summary>
    private bool TryStep(int cursor, out int start, out int captured)
    {
        start = Align(cursor);
        int used = Math.Min(Volatile.Read(ref _used), _buffer.Length);
        captured = 0;
        if (cursor < 0 || start > used - HeaderSize) return false;
        captured = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(start + OffCaptured));
        return captured >= 0 && captured <= used - start - HeaderSize;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override bool ReadNext(PacketBlock owner, int generation, ref int cursor, out PacketRef packet)
    {
        if (!TryStep(cursor, out int start, out int captured))
        {
            packet = default;
            return false;
        }
        ReadOnlySpan<byte> h = _buffer.AsSpan(start, HeaderSize);
        int dataOffset = start + HeaderSize;
        packet = new PacketRef(owner, generation, new PacketMetadata(dataOffset, captured,
            BinaryPrimitives.ReadInt64LittleEndian(h[OffTotal..]),
            BinaryPrimitives.ReadInt64LittleEndian(h[OffTimestamp..]),
            (PacketType)h[OffType],
            BinaryPrimitives.ReadInt16LittleEndian(h[OffIpOffset..]),
            (LinkType)BinaryPrimitives.ReadUInt16LittleEndian(h[OffLinkType..]),
            BinaryPrimitives.ReadInt32LittleEndian(h[OffInterface..]),
            BinaryPrimitives.ReadUInt16LittleEndian(h[OffVlanTci..]),
            BinaryPrimitives.ReadUInt16LittleEndian(h[OffVlanTpid..]),
            h[OffFlags] != 0));
        cursor = dataOffset + captured;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override bool SkipNext(ref int cursor)
    {
        if (!TryStep(cursor, out int start, out int captured)) return false;
        cursor = start + HeaderSize + captured;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override bool ReadNextPayload(ref int cursor, out ReadOnlySpan<byte> data, out long totalLength, out PacketType type, out int ipLayerOffset)
    {
        if (!TryStep(cursor, out int start, out int captured)) return NoPayload(out data, out totalLength, out type, out ipLayerOffset);
        ReadOnlySpan<byte> h = _buffer.AsSpan(start, HeaderSize);
        data = _buffer.AsSpan(start + HeaderSize, captured);
        totalLength = BinaryPrimitives.ReadInt64LittleEndian(h[OffTotal..]);
        type = (PacketType)h[OffType];
        ipLayerOffset = BinaryPrimitives.ReadInt16LittleEndian(h[OffIpOffset..]);
        cursor = start + HeaderSize + captured;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override bool ReadNextType(ref int cursor, out PacketType type)
    {
        if (!TryStep(cursor, out int start, out int captured))
        {
            type = PacketType.Unknown;
            return false;
        }
        type = (PacketType)_buffer[start + OffType];
        cursor = start + HeaderSize + captured;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override ReadOnlySpan<byte> GetSpan(int offset, int length)
    {
        byte[] buffer = _buffer;
        if ((uint)offset > (uint)buffer.Length || (uint)length > (uint)(buffer.Length - offset)) return default;
        return MemoryMarshal.CreateReadOnlySpan(ref MemoryMarshal.GetArrayDataReference(buffer), buffer.Length).Slice(offset, length);
    }

    internal override ReadOnlyMemory<byte> GetBytes() => _buffer.AsMemory(0, _used);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected override void OnReleased()
    {
        Reset();
        _pool.Return(this);
    }

    private static int Align(int offset) => (offset + 7) & ~7;
}
