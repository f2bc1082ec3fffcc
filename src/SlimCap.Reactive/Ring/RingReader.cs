using System.Runtime.CompilerServices;
using System.Buffers;
using static SlimCap.Reactive.Ring.TPacketV3;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Ring;

/// <summary>What <see cref="RingReader.TryTake"/> found at the ring's current position.</summary>
internal enum TakeResult
{
    /// <summary>A block was leased.</summary>
    Taken,
    /// <summary>The kernel has not retired the next block yet: wait.</summary>
    NotReady,
    /// <summary>The next block is still leased by a consumer: every block is held, the ring starves.</summary>
    Starved,
}

/// <summary>
/// Walks a TPACKET_V3 ring's blocks in order, leasing each one the kernel has retired. The same
/// code serves a kernel ring and a heap image. Single reader; releases come from any thread.
/// </summary>
internal sealed unsafe class RingReader
{
    private readonly RingMemory _memory;
    private readonly RingBlock[] _blocks;
    private readonly RingBlockMemoryManager[] _managers;
    private int _next;
    private long _starvations;
    private bool _starving;
    private long _copyBlocksSkipped;

    public RingReader(RingMemory memory, int blockSize, int blockCount, LinkType linkType)
    {
        _memory = memory;
        BlockSize = blockSize;
        BlockCount = blockCount;
        LinkType = linkType;
        IpLayerOffset = LinkTypeInfo.IpLayerOffset(linkType);
        _blocks = new RingBlock[blockCount];
        _managers = new RingBlockMemoryManager[blockCount];
        for (int i = 0; i < blockCount; i++)
        {
            byte* address = memory.Address + (long)i * blockSize;
            _blocks[i] = new RingBlock(this, address, blockSize, i);
            _managers[i] = new RingBlockMemoryManager(address, blockSize);
        }
    }

    public int BlockSize { get; }

    public int BlockCount { get; }

    public LinkType LinkType { get; }

    public int IpLayerOffset { get; }

    /// <summary>Episodes in which the reader found every block still leased.</summary>
    public long Starvations => Interlocked.Read(ref _starvations);

    /// <summary>Blocks marked TP_STATUS_COPY that were handed straight back, as slimcap does.</summary>
    public long CopyBlocksSkipped => Interlocked.Read(ref _copyBlocksSkipped);

    /// <summary>Blocks currently leased to consumers (revoked leases no longer count).</summary>
    public int HeldCount
    {
        get
        {
            int held = 0;
            foreach (RingBlock b in _blocks) if (b.Holders > 0) held++;
            return held;
        }
    }

    /// <summary>
    /// Invoked after a consumer handed a block back (any thread), while the ring's memory is still referenced, so the
    /// callback may write into the block (an image republishing it).
    /// </summary>
    public Action<int>? BlockReleased { get; set; }

    /// <summary>
    /// Called after a consumer handed a block back while the reader was parked for one (<see cref="ParkForRelease"/>):
    /// how a starved reader wakes at once instead of polling. Not called otherwise, so a release costs no syscall.
    /// </summary>
    public Action? ReleasedWhileParked { get; set; }

    private int _parked;

    /// <summary>
    /// The reader is about to park because the next block is still leased (<see cref="TakeResult.Starved"/>): from now
    /// on a release calls <see cref="ReleasedWhileParked"/>. False when that block came back meanwhile (do not park).
    /// End the park with <see cref="Unpark"/>.
    /// </summary>
    public bool ParkForRelease()
    {
        Interlocked.Exchange(ref _parked, 1); // a full fence: the release's check below cannot miss it, nor this one the release
        if (_blocks[_next].IsHeld) return true;
        Unpark();
        return false;
    }

    public void Unpark() => Volatile.Write(ref _parked, 0);

    /// <summary>Leases the next block if the kernel has retired it (on <paramref name="spare"/> when given: a released lease object only the caller holds).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public TakeResult TryTake(out PacketBlock? block, PacketBlock? spare = null)
    {
        while (true)
        {
            RingBlock candidate = _blocks[_next];
            if (candidate.IsHeld)
            {
                if (!_starving)
                {
                    _starving = true;
                    Interlocked.Increment(ref _starvations);
                }
                block = null;
                return TakeResult.Starved;
            }
            _starving = false;
            uint status = ReadStatus(candidate.BlockAddress);
            if ((status & StatusUser) == 0)
            {
                block = null;
                return TakeResult.NotReady;
            }
            _next = _next + 1 == _blocks.Length ? 0 : _next + 1;
            if ((status & StatusCopy) != 0)
            {
                // A "runaway" block the kernel could not fill in place: give it straight back.
                WriteStatus(candidate.BlockAddress, StatusKernel);
                Interlocked.Increment(ref _copyBlocksSkipped);
                continue;
            }
            block = candidate.Lease(spare);
            return block is null ? TakeResult.NotReady : TakeResult.Taken; // null: the ring is being closed

        }
    }

    internal Memory<byte> GetBlockMemory(int index) => _managers[index].Memory;

    /// <summary>
    /// Gives a block whose lease ended back to the kernel (any thread). The write holds a reference on the memory, so a
    /// ring closing meanwhile is retired only after it, and a ring already retired is not written at all.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void HandBack(RingBlock block)
    {
        if (!_memory.TryAddRef()) return; // closed: the ring is zero pages now, and its slots are retired
        try
        {
            block.WriteKernelStatus();
            BlockReleased?.Invoke(block.Index);
            if (ReleasedWhileParked is { } wake)
            {
                Interlocked.MemoryBarrier(); // orders the slot's release before the check (ParkForRelease's fence pairs with it)
                if (Volatile.Read(ref _parked) != 0) wake();
            }
        }
        finally
        {
            _memory.DangerousRelease();
        }
    }

    /// <summary>
    /// Ends every lease of the ring at once (the source is closing): their reads throw from now on, their disposes do
    /// nothing, and no block is leased again. Returns how many leases were still out.
    /// </summary>
    internal int RevokeAll()
    {
        int revoked = 0;
        foreach (RingBlock b in _blocks)
        {
            if (b.Revoke()) revoked++;
        }
        return revoked;
    }

    /// <summary>The slot at <paramref name="index"/>, for the image writer.</summary>
    internal RingBlock Slot(int index) => _blocks[index];
}
