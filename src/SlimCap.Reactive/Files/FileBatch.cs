using System.Buffers;
using System.Runtime.CompilerServices;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Files;

/// <summary>
/// A capture file source's batch of records, viewed where the pipe read them: each record's data is a slice of a
/// <see cref="PipeBuffer"/> the batch holds a reference to while leased. Only a record split across two
/// pipe buffers is copied, into a spill buffer the batch rents. The storage of a file source's leases: when the
/// lease's last holder lets go, the batch lets go of the buffers and returns to its <see cref="FileBatchPool"/>.
/// </summary>
/// <remarks>
/// Reads look every index and range up against the arrays as they are at that moment and give an empty span rather
/// than throw, so a holder that lost a race with the batch's reuse reads inside some buffer, never beyond one.
/// </remarks>
internal sealed class FileBatch : BlockStorage
{
    private const int SpillBuffer = -1;

    private struct Entry
    {
        public int Buffer;
        public int Offset;
        public int Captured;
        public int Interface;
        public long Total;
        public long Timestamp;
        public ushort Carry;
        public LinkType LinkType;
        public short IpLayerOffset; // decoded once when appended, not per read
        public PacketType Type;
    }

    private readonly StoragePool<FileBatch> _pool;
    private Entry[] _entries = new Entry[64];
    private PipeBuffer?[] _buffers = new PipeBuffer?[8];
    private byte[]? _spill;
    private int _count;
    private int _bufferCount;
    private int _spillUsed;

    internal FileBatch(StoragePool<FileBatch> pool) => _pool = pool;

    /// <summary>Records appended so far.</summary>
    internal int Count => _count;

    /// <summary>File bytes of the records appended so far (the batch's budget is counted in these).</summary>
    internal long FileBytes { get; private set; }

    /// <summary>Appends a record whose data lies in <paramref name="buffer"/> at <paramref name="offset"/>, without copying it.</summary>
    internal void AddView(PipeBuffer buffer, int offset, in FileRecord record) =>
        Append(ReferenceBuffer(buffer), offset, record);

    /// <summary>
    /// The index under which the batch holds <paramref name="buffer"/>, taking a reference on it the first time,
    /// for <see cref="AppendView"/>. Records arrive in file order, so only the last buffer needs comparing.
    /// </summary>
    internal int ReferenceBuffer(PipeBuffer buffer)
    {
        int index = _bufferCount - 1;
        if (index < 0 || !ReferenceEquals(_buffers[index], buffer))
        {
            if (_bufferCount == _buffers.Length) Array.Resize(ref _buffers, _buffers.Length * 2);
            buffer.AddReference();
            index = _bufferCount++;
            _buffers[index] = buffer;
        }
        return index;
    }

    /// <summary>
    /// Appends a record whose <paramref name="captured"/> bytes lie at <paramref name="offset"/> in the buffer
    /// <see cref="ReferenceBuffer"/> returned <paramref name="bufferIndex"/> for: the parsers' fast path, which
    /// has the fields in hand and no <see cref="FileRecord"/> (whose sequence it would have to slice).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void AppendView(int bufferIndex, int offset, int captured, long totalLength, long timestampNs, ushort carrySeconds,
        LinkType linkType, int ipLayerOffset, int interfaceIndex, PacketType type, long fileBytes)
    {
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        ref Entry e = ref _entries[_count++];
        e.Buffer = bufferIndex;
        e.Offset = offset;
        e.Captured = captured;
        e.Interface = interfaceIndex;
        e.Total = totalLength;
        e.Timestamp = timestampNs;
        e.Carry = carrySeconds;
        e.LinkType = linkType;
        e.IpLayerOffset = (short)ipLayerOffset;
        e.Type = type;
        FileBytes += fileBytes;
    }

    /// <summary>Appends a copy of a record whose data is split across pipe buffers.</summary>
    internal void AddCopy(in FileRecord record)
    {
        int length = (int)record.Data.Length;
        if (_spill is null || _spill.Length - _spillUsed < length)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(_spillUsed + length, 4096));
            if (_spill is not null)
            {
                _spill.AsSpan(0, _spillUsed).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_spill);
            }
            _spill = larger;
        }
        record.Data.CopyTo(_spill.AsSpan(_spillUsed));
        Append(SpillBuffer, _spillUsed, record);
        _spillUsed += length;
    }

    /// <summary>Leases the batch with what was appended; null (having let go of it) once the pool was revoked.</summary>
    internal PacketBlock? Publish(long sequenceNumber, PacketBlock? spare = null)
    {
        PacketBlock? lease = Lease(sequenceNumber, _count, _count == 0 ? 0 : _entries[0].Timestamp, _count == 0 ? 0 : _entries[_count - 1].Timestamp, spare);
        if (lease is null) ReleaseContents();
        return lease;
    }

    /// <summary>Gives back what an unpublished batch took (when reading stops before it is handed out).</summary>
    internal void Discard()
    {
        ReleaseContents();
        _pool.Return(this);
    }

    private void Append(int buffer, int offset, in FileRecord record) =>
        AppendView(buffer, offset, (int)record.Data.Length, record.TotalLength, record.TimestampNanoseconds,
            record.TimestampCarrySeconds, record.LinkType, LinkTypeInfo.IpLayerOffset(record.LinkType),
            record.InterfaceIndex, record.Type, record.Size);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override bool ReadNext(PacketBlock owner, int generation, ref int cursor, out PacketRef packet)
    {
        int index = cursor;
        Entry[] entries = _entries;
        if ((uint)index >= (uint)_count || (uint)index >= (uint)entries.Length)
        {
            packet = default;
            return false;
        }
        ref readonly Entry e = ref entries[index];
        // The "data offset" of these PacketRefs is the record's index: GetSpan looks its bytes up.
        packet = new PacketRef(owner, generation, new PacketMetadata(index, e.Captured, e.Total, e.Timestamp, e.Type,
            e.IpLayerOffset, e.LinkType, e.Interface, timestampCarrySeconds: e.Carry));
        cursor = index + 1;
        return true;
    }

    /// <summary>
    /// The callback's walk: the record's bytes and the three fields it passes, straight from the entry, instead of
    /// the base class's PacketRef (all fields) followed by a virtual <see cref="GetSpan"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override bool ReadNextPayload(ref int cursor, out ReadOnlySpan<byte> data, out long totalLength, out PacketType type, out int ipLayerOffset)
    {
        int index = cursor;
        Entry[] entries = _entries;
        if ((uint)index >= (uint)_count || (uint)index >= (uint)entries.Length)
            return NoPayload(out data, out totalLength, out type, out ipLayerOffset);
        ref readonly Entry e = ref entries[index];
        data = SpanOf(e.Buffer, e.Offset, e.Captured);
        totalLength = e.Total;
        type = e.Type;
        ipLayerOffset = e.IpLayerOffset;
        cursor = index + 1;
        return true;
    }

    /// <summary>A type-only walk (filters by type) reads one field instead of building a PacketRef.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override bool ReadNextType(ref int cursor, out PacketType type)
    {
        int index = cursor;
        Entry[] entries = _entries;
        if ((uint)index >= (uint)_count || (uint)index >= (uint)entries.Length)
        {
            type = PacketType.Unknown;
            return false;
        }
        type = entries[index].Type;
        cursor = index + 1;
        return true;
    }

    /// <summary>Skipping a record is moving the index: nothing to decode.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override bool SkipNext(ref int cursor)
    {
        if ((uint)cursor >= (uint)_count) return false;
        cursor++;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override ReadOnlySpan<byte> GetSpan(int offset, int length)
    {
        Entry[] entries = _entries;
        if ((uint)offset >= (uint)entries.Length) return default;
        ref readonly Entry e = ref entries[offset];
        return SpanOf(e.Buffer, e.Offset, length);
    }

    /// <summary>The bytes at <paramref name="offset"/> of buffer <paramref name="buffer"/>, or an empty span when they are not there (a lost race).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> SpanOf(int buffer, int offset, int length)
    {
        byte[]? array;
        if (buffer == SpillBuffer) array = _spill;
        else
        {
            PipeBuffer?[] buffers = _buffers;
            array = (uint)buffer < (uint)buffers.Length ? buffers[buffer]?.Array : null;
        }
        if (array is null || (uint)offset > (uint)array.Length || (uint)length > (uint)(array.Length - offset)) return default;
        return new ReadOnlySpan<byte>(array, offset, length);
    }

    /// <summary>Records of a file batch live in several pipe buffers: there is no one storage to hand out.</summary>
    internal override ReadOnlyMemory<byte> GetBytes() => ReadOnlyMemory<byte>.Empty;

    private protected override void OnReleased()
    {
        ReleaseContents();
        _pool.Return(this);
    }

    /// <summary>Lets go of the pipe buffers and the spill buffer. The buffer slots keep their (released) buffers, so a late reader finds an array, not null.</summary>
    private void ReleaseContents()
    {
        for (int i = 0; i < _bufferCount; i++) _buffers[i]!.Release();
        byte[]? spill = _spill;
        _spill = null;
        if (spill is not null) ArrayPool<byte>.Shared.Return(spill);
        _spillUsed = 0;
        _bufferCount = 0;
        _count = 0;
        FileBytes = 0;
    }
}
