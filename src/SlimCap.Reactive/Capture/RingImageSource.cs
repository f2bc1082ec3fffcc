using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Ring;

namespace SlimCap.Reactive.Capture;

/// <summary>
/// A capture source over a TPACKET_V3 ring image in process memory, laid out byte for byte as the
/// kernel lays out its ring. The same walking code as <see cref="RingSource"/> reads it, so every
/// surface can be exercised without privileges: in tests, notebooks and benchmarks.
/// </summary>
/// <remarks>
/// <para>A producer adds packets (<see cref="TryAddPacket"/>) and retires blocks
/// (<see cref="RetireBlock"/>), like the kernel; the reader takes retired blocks in ring order.
/// When the producer called <see cref="Complete"/> and every retired block was read, reads return
/// <see cref="CaptureStatus.Stopped"/>. A block is reusable once its lease is released, so a ring
/// wraps around exactly as the kernel's does; with <see cref="Replay"/>, released blocks are handed
/// out again unchanged, an endless stream for benchmarks.</para>
/// <para>Thread safety: one producer thread and one reader thread may run at once; Unblock, Dispose
/// and Stats are safe from any thread.</para>
/// </remarks>
public sealed class RingImageSource : CaptureSource
{
    private readonly object _gate = new();
    private readonly RingMemory _memory;
    private readonly RingReader _reader;
    private readonly RingImageWriter _writer;
    private readonly string _name;
    private readonly LinkType _linkType;
    private readonly long _replayLimit;
    private long _received;
    private long _replayed;
    private bool _completed;
    private bool _unblocked;
    private bool _stopped;
    private long _nextTimestamp;
    private StarvationClock _starvation;

    /// <summary>Creates an empty ring image.</summary>
    /// <param name="blockSize">Bytes per block; at least 4096 and a multiple of 16.</param>
    /// <param name="blockCount">Number of blocks (at least 1).</param>
    /// <param name="snapLength">Bytes kept of each frame.</param>
    /// <param name="linkType">The frames' link type; decides where the kernel would put the MAC header.</param>
    /// <param name="interfaceIndex">The ifindex written into each packet's sockaddr_ll.</param>
    /// <param name="name">The source's <see cref="Name"/>.</param>
    /// <param name="replayLimit">With a positive value, the source replays released blocks (see <see cref="Replay"/>) until this many blocks were read, then stops.</param>
    public RingImageSource(int blockSize = 1 << 16, int blockCount = 4, int snapLength = 65535, LinkType linkType = LinkType.Ethernet,
        int interfaceIndex = 1, string name = "ring-image", long replayLimit = 0)
    {
        if (blockSize < 4096 || blockSize % 16 != 0)
            throw new InvalidCaptureOptionException(nameof(blockSize), $"must be at least 4096 and a multiple of 16; got {blockSize}.");
        if (blockCount < 1 || (long)blockCount * blockSize > 1L << 32)
            throw new InvalidCaptureOptionException(nameof(blockCount), $"must be at least 1 and the image at most 4 GiB; got {blockCount} blocks of {blockSize} bytes.");
        if (snapLength < 1 || snapLength > Filters.CaptureLength.Maximum)
            throw new InvalidCaptureOptionException(nameof(snapLength), $"must be between 1 and {Filters.CaptureLength.Maximum}; got {snapLength}.");
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfNegative(replayLimit);
        _memory = RingMemory.AllocateImage((nuint)((long)blockSize * blockCount));
        _reader = new RingReader(_memory, blockSize, blockCount, linkType);
        _writer = new RingImageWriter(_memory, _reader, snapLength, interfaceIndex);
        _name = name;
        _linkType = linkType;
        _replayLimit = replayLimit;
        _reader.BlockReleased = OnBlockReleased;
        _nextTimestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L;
        ReportMetrics();
    }

    /// <summary>Tests only: damages the last packet added (see <see cref="RingImageWriter.PatchLastHeaderForTests"/>).</summary>
    internal void PatchLastHeaderForTests(int fieldOffset, ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            ThrowIfStopped();
            _writer.PatchLastHeaderForTests(fieldOffset, bytes);
        }
    }

    /// <summary>True while a reader waits for a block (for tests that must act on a blocked reader).</summary>
    internal bool ReaderWaiting { get; private set; }

    /// <summary>True when released blocks are handed out again unchanged (set by a positive replay limit).</summary>
    public bool Replay => _replayLimit > 0;

    /// <summary>Blocks currently leased to consumers.</summary>
    public int LeasedBlocks => _reader.HeldCount;

    internal override int OutstandingLeases => LeasedBlocks;

    internal override string SourceKind => "ring-image";

    /// <summary>The image's number of blocks.</summary>
    public int BlockCount => _reader.BlockCount;

    internal override int BlockCapacity => _reader.BlockCount;

    internal override bool ReusesBlocksInOrder => true;

    /// <summary>Bytes a frame of <paramref name="frameLength"/> bytes occupies in a block, headers included.</summary>
    public int SlotSize(int frameLength) => _writer.SlotSize(frameLength);

    /// <inheritdoc/>
    public override string Name => _name;

    /// <inheritdoc/>
    public override LinkType LinkType => _linkType;

    /// <inheritdoc/>
    public override CaptureStats Stats => new(Interlocked.Read(ref _received), 0, 0, _reader.Starvations);

    /// <summary>
    /// Adds a frame to the block being filled, retiring it first if the frame does not fit.
    /// Returns false when the ring is full (the next block is still unread or leased) or the frame
    /// can never fit a block. A zero <paramref name="timestampNs"/> takes the next of a running clock.
    /// </summary>
    public bool TryAddPacket(ReadOnlySpan<byte> frame, PacketType type = PacketType.Host, long totalLength = -1,
        long timestampNs = 0, ushort vlanTci = 0, ushort vlanTpid = 0, bool hasVlan = false)
    {
        lock (_gate)
        {
            ThrowIfStopped();
            if (_completed) throw new InvalidOperationException("Complete() was called; no more packets can be added.");
            if (timestampNs == 0) timestampNs = _nextTimestamp += 1000;
            if (totalLength < 0) totalLength = frame.Length;
            int pendingBefore = _writer.PendingPackets;
            bool added = _writer.TryAdd(frame, type, totalLength, timestampNs, vlanTci, vlanTpid, hasVlan);
            if (added)
            {
                _received++;
                // Adding may have retired the previous block.
                if (_writer.PendingPackets <= pendingBefore) Monitor.PulseAll(_gate);
            }
            return added;
        }
    }

    /// <summary>
    /// Retires the block being filled, as the kernel does when a block is full or its timeout passes.
    /// With <paramref name="evenIfEmpty"/>, an empty block is retired too (readers must cope with one).
    /// </summary>
    public void RetireBlock(bool evenIfEmpty = false)
    {
        lock (_gate)
        {
            ThrowIfStopped();
            _writer.Retire(evenIfEmpty: evenIfEmpty);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Retires the block being filled with TP_STATUS_COPY set, as the kernel marks a block it could
    /// not fill in place. Readers skip such blocks (and give them back), as slimcap does.
    /// </summary>
    public void RetireBlockAsCopy()
    {
        lock (_gate)
        {
            ThrowIfStopped();
            _writer.Retire(TPacketV3.StatusCopy);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Retires the current block and ends the stream once every retired block is read.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            ThrowIfStopped();
            _writer.Retire();
            _completed = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <inheritdoc/>
    public override void Unblock()
    {
        lock (_gate)
        {
            _unblocked = true;
            Monitor.PulseAll(_gate);
        }
    }

    private protected override CaptureStatus ReadBlockCore(PacketBlock? spare, out PacketBlock? block)
    {
        block = null;
        lock (_gate)
        {
            while (true)
            {
                if (_stopped) return CaptureStatus.Stopped;
                if (_unblocked)
                {
                    _unblocked = false;
                    return CaptureStatus.Unblocked;
                }
                if (Replay && _replayed >= _replayLimit) return CaptureStatus.Stopped;
                TakeResult take = _reader.TryTake(out PacketBlock? taken, spare);
                if (take == TakeResult.Starved) _starvation.Starving(); // forgotten leases go back once collected
                if (take == TakeResult.Taken)
                {
                    _starvation.Fed();
                    if (Replay) _replayed++;
                    block = taken;
                    return CaptureStatus.Packet;
                }
                if (take == TakeResult.NotReady && _completed && !Replay) return CaptureStatus.Stopped;
                // Parked until the producer adds or retires, a consumer releases, Unblock or Dispose: each pulses the
                // gate under it. Timed only for the starvation clock's next collection (leases dropped undisposed).
                ReaderWaiting = true;
                Monitor.Wait(_gate, take == TakeResult.Starved ? _starvation.MillisecondsUntilCollection() : Timeout.Infinite);
                ReaderWaiting = false;
            }
        }
    }

    private void OnBlockReleased(int index)
    {
        if (Replay)
        {
            // Under the gate: Dispose (which takes it too) cannot retire the memory between the check and the writes.
            lock (_gate)
            {
                if (_stopped) return;
                Interlocked.Add(ref _received, _writer.PacketsIn(index));
                _writer.Republish(index);
                Monitor.PulseAll(_gate);
            }
            return;
        }
        // Wake a reader waiting for a block. Under the gate, so the pulse cannot fall between a reader's look at the
        // ring and its wait (a reader never holds the gate for long: it waits outside it, and no consumer code runs under it).
        lock (_gate) Monitor.PulseAll(_gate);
    }

    /// <summary>The producer calls after Dispose: the image is gone (its memory is read-only zero pages by then).</summary>
    private void ThrowIfStopped() => ObjectDisposedException.ThrowIf(_stopped, this);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
            _reader.RevokeAll(); // every lease ends now: reads throw, disposes do nothing
        }
        _memory.Dispose();
    }
}
