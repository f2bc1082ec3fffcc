using System.Buffers;

namespace SlimCap.Reactive.Files;

/// <summary>
/// A block of file records that views them where the pipe read them: each record's data is a slice of a
/// <see cref="PipeBuffer"/> the block holds a reference to while leased. Only a record split across two
/// pipe buffers is copied, into a spill buffer the block rents. Disposing the block lets go of the buffers.
/// </summary>
internal sealed class PipeViewBlock : PacketBlock
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
        public PacketType Type;
    }

    private readonly PipeViewBlockPool _pool;
    private Entry[] _entries = new Entry[64];
    private PipeBuffer?[] _buffers = new PipeBuffer?[8];
    private byte[]? _spill;
    private int _count;
    private int _bufferCount;
    private int _spillUsed;

    internal PipeViewBlock(PipeViewBlockPool pool) => _pool = pool;

    /// <summary>Records appended so far.</summary>
    internal int Count => _count;

    /// <summary>File bytes of the records appended so far (the block's budget is counted in these).</summary>
    internal long FileBytes { get; private set; }

    /// <summary>Appends a record whose data lies in <paramref name="buffer"/> at <paramref name="offset"/>, without copying it.</summary>
    internal void AddView(PipeBuffer buffer, int offset, in FileRecord record)
    {
        int index = _bufferCount - 1;
        if (index < 0 || !ReferenceEquals(_buffers[index], buffer))
        {
            if (_bufferCount == _buffers.Length) Array.Resize(ref _buffers, _buffers.Length * 2);
            buffer.AddReference();
            index = _bufferCount++;
            _buffers[index] = buffer;
        }
        Append(index, offset, record);
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

    /// <summary>Leases the block with what was appended.</summary>
    internal void Publish(long sequenceNumber) =>
        Activate(sequenceNumber, _count, _count == 0 ? 0 : _entries[0].Timestamp, _count == 0 ? 0 : _entries[_count - 1].Timestamp);

    /// <summary>Gives back what an unpublished block took (when reading stops before it is handed out).</summary>
    internal void Discard()
    {
        Publish(0);
        Dispose();
    }

    private void Append(int buffer, int offset, in FileRecord record)
    {
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        _entries[_count++] = new Entry
        {
            Buffer = buffer,
            Offset = offset,
            Captured = (int)record.Data.Length,
            Interface = record.InterfaceIndex,
            Total = record.TotalLength,
            Timestamp = record.TimestampNanoseconds,
            Carry = record.TimestampCarrySeconds,
            LinkType = record.LinkType,
            Type = record.Type,
        };
        FileBytes += record.Size;
    }

    private protected override bool ReadNext(ref int cursor, out PacketRef packet)
    {
        int index = cursor;
        if ((uint)index >= (uint)_count)
        {
            packet = default;
            return false;
        }
        ref readonly Entry e = ref _entries[index];
        // The "data offset" of these PacketRefs is the record's index: GetSpan looks its bytes up.
        packet = new PacketRef(this, Generation, index, e.Captured, e.Total, e.Timestamp, e.Type,
            LinkTypeInfo.IpLayerOffset(e.LinkType), e.LinkType, e.Interface, timestampCarrySeconds: e.Carry);
        cursor = index + 1;
        return true;
    }

    internal override ReadOnlySpan<byte> GetSpan(int offset, int length)
    {
        ref readonly Entry e = ref _entries[offset];
        byte[] storage = e.Buffer == SpillBuffer ? _spill! : _buffers[e.Buffer]!.Array;
        return storage.AsSpan(e.Offset, length);
    }

    /// <summary>Records of a file block live in several pipe buffers: there is no one storage to hand out.</summary>
    private protected override Memory<byte> GetMemory() => Memory<byte>.Empty;

    private protected override void OnReleased()
    {
        for (int i = 0; i < _bufferCount; i++)
        {
            _buffers[i]!.Release();
            _buffers[i] = null;
        }
        if (_spill is not null) ArrayPool<byte>.Shared.Return(_spill);
        _spill = null;
        _spillUsed = 0;
        _bufferCount = 0;
        _count = 0;
        FileBytes = 0;
        _pool.Return(this);
    }
}
