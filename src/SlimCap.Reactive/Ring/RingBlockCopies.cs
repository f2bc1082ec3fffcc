using static SlimCap.Reactive.Ring.TPacketV3;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Ring;

/// <summary>
/// A small fixed set of ring blocks in process memory that hold copies of a kernel ring's blocks, byte for byte: how a
/// fan-out moves the views a stalled target has not opened off the kernel's ring (<see cref="PacketBlock.EndMove"/>),
/// so that the kernel, which fills its blocks strictly in order, gets them back. A copy is walked by the same code as
/// the ring (a <see cref="RingBlock"/> of its own reader) and keeps every packet at the same offset.
/// </summary>
/// <remarks>
/// Thread-safe: copies are made on the fan-out's thread, released from whichever thread disposes a view. The memory is
/// an image (anonymous pages, committed only when written), retired as every ring is, never unmapped (so a span kept
/// past its view reads zeros at worst): once <see cref="Close"/> was called and the last copy is back.
/// </remarks>
internal sealed unsafe class RingBlockCopies
{
    private readonly RingMemory _memory;
    private readonly RingReader _reader;
    private readonly Stack<int> _free;
    private readonly object _gate = new();
    private int _inUse;
    private bool _closed;

    /// <param name="blockSize">The ring's block size.</param>
    /// <param name="count">How many copies may exist at once.</param>
    /// <param name="linkType">The ring's link type (where the walk finds the IP layer).</param>
    internal RingBlockCopies(int blockSize, int count, LinkType linkType)
    {
        _memory = RingMemory.AllocateImage((nuint)((long)blockSize * count));
        _reader = new RingReader(_memory, blockSize, count, linkType) { BlockReleased = OnReleased };
        _free = new Stack<int>(count);
        for (int i = count - 1; i >= 0; i--) _free.Push(i);
    }

    /// <summary>Copies leased now.</summary>
    internal int InUse => Volatile.Read(ref _inUse);

    internal int Capacity => _reader.BlockCount;

    /// <summary>True when blocks of <paramref name="ring"/> can be copied here (same block size and link type).</summary>
    internal bool Fits(RingReader ring) => ring.BlockSize == _reader.BlockSize && ring.LinkType == _reader.LinkType;

    /// <summary>
    /// A fresh lease of a copy of <paramref name="block"/>'s bytes (the caller checks afterwards that the block's lease
    /// was live all along), or null when every copy is in use or the set was closed.
    /// </summary>
    internal PacketBlock? TryCopy(RingBlock block)
    {
        int index;
        lock (_gate)
        {
            if (_closed || !_free.TryPop(out index)) return null;
            _inUse++;
        }
        RingBlock copy = _reader.Slot(index);
        uint used = U32(block.BlockAddress, BlockLength); // what the kernel (or an image's writer) filled
        long length = used >= BlockDescriptorSize && used <= (uint)block.BlockSize ? used : block.BlockSize;
        Buffer.MemoryCopy(block.BlockAddress, copy.BlockAddress, block.BlockSize, length);
        WriteStatus(copy.BlockAddress, StatusUser);
        PacketBlock? lease = copy.Lease();
        if (lease is null) OnReleased(index);
        return lease;
    }

    /// <summary>No copies after this; the memory is retired once the last copy in use comes back.</summary>
    internal void Close()
    {
        bool retire;
        lock (_gate)
        {
            _closed = true;
            retire = _inUse == 0;
        }
        if (retire) _memory.Dispose();
    }

    private void OnReleased(int index)
    {
        bool retire;
        lock (_gate)
        {
            _free.Push(index);
            _inUse--;
            retire = _closed && _inUse == 0;
        }
        if (retire) _memory.Dispose();
    }
}
