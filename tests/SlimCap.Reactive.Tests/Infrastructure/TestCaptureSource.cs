using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// An in-memory <see cref="CaptureSource"/> serving <see cref="TestTraffic"/> packets <c>0..count-1</c> in blocks
/// of <c>packetsPerBlock</c> from a small fixed <see cref="SocketBatchPool"/>, so tests can starve it and check
/// that every lease came back (<see cref="AllBlocksReturned"/>). Writes frames in place: reading allocates nothing.
/// </summary>
internal sealed class TestCaptureSource : CaptureSource
{
    private readonly SocketBatchPool _pool;
    private readonly long _count;
    private readonly int _packetsPerBlock;
    private readonly bool _waitAtEnd;
    private readonly long _failAfterBlocks;
    private readonly Func<bool> _shouldStopRent;
    private readonly object _gate = new();
    private long _next;
    private long _sequence;
    private int _unblock;

    /// <param name="count">Packets to serve.</param>
    /// <param name="packetsPerBlock">Packets per block.</param>
    /// <param name="poolBlocks">Blocks in the pool.</param>
    /// <param name="waitAtEnd">Live-like: after the last packet, block until Unblock/Dispose instead of reporting Stopped.</param>
    /// <param name="failAfterBlocks">Throw a <see cref="CaptureException"/> instead of the block after this many, or -1.</param>
    internal TestCaptureSource(long count, int packetsPerBlock = 16, int poolBlocks = 4, bool waitAtEnd = false, long failAfterBlocks = -1)
    {
        _count = count;
        _packetsPerBlock = packetsPerBlock;
        _waitAtEnd = waitAtEnd;
        _failAfterBlocks = failAfterBlocks;
        _pool = new SocketBatchPool(poolBlocks, packetsPerBlock * (SocketBatch.HeaderSize + TestTraffic.FrameLength + 8) + 64);
        _shouldStopRent = () => IsDisposed || Volatile.Read(ref _unblock) != 0;
    }

    public override string Name => "test";

    public override LinkType LinkType => LinkType.Ethernet;

    public override CaptureStats Stats => new(Interlocked.Read(ref _next), 0, 0, _pool.Starvations);

    internal int PoolBlocks => _pool.BlockCount;

    internal int FreeBlocks => _pool.FreeCount;

    internal bool AllBlocksReturned => _pool.FreeCount == _pool.BlockCount;

    internal long Starvations => _pool.Starvations;

    internal long BlocksServed => Interlocked.Read(ref _sequence);

    /// <summary>Waits (bounded) until every block is back; the lease holders may release on other threads.</summary>
    internal bool WaitAllBlocksReturned(int timeoutMs = 5000) => SpinWait.SpinUntil(() => AllBlocksReturned, timeoutMs);

    public override void Unblock()
    {
        Volatile.Write(ref _unblock, 1);
        lock (_gate) Monitor.PulseAll(_gate);
        _pool.WakeWaiters();
    }

    protected override void Dispose(bool disposing)
    {
        lock (_gate) Monitor.PulseAll(_gate);
        _pool.WakeWaiters();
    }

    private protected override CaptureStatus ReadBlockCore(PacketBlock? spare, out PacketBlock? block)
    {
        block = null;
        if (Interlocked.Exchange(ref _unblock, 0) != 0) return CaptureStatus.Unblocked;
        if (IsDisposed) return CaptureStatus.Stopped;
        if (_failAfterBlocks >= 0 && _sequence >= _failAfterBlocks) throw new CaptureException("Injected capture failure.");
        if (_next >= _count)
        {
            if (!_waitAtEnd) return CaptureStatus.Stopped;
            lock (_gate)
            {
                while (!IsDisposed && Volatile.Read(ref _unblock) == 0) Monitor.Wait(_gate);
            }
            if (IsDisposed) return CaptureStatus.Stopped;
            Interlocked.Exchange(ref _unblock, 0);
            return CaptureStatus.Unblocked;
        }
        SocketBatch? record = _pool.Rent(_shouldStopRent);
        if (record is null)
        {
            if (IsDisposed) return CaptureStatus.Stopped;
            Interlocked.Exchange(ref _unblock, 0);
            return CaptureStatus.Unblocked;
        }
        int n = (int)Math.Min(_packetsPerBlock, _count - _next);
        for (int k = 0; k < n; k++)
        {
            long i = _next + k;
            int length = TestTraffic.Write(i, record.GetAppendSpan());
            record.Commit(length, length, TestTraffic.TimestampOf(i), TestTraffic.TypeOf(i), 14, LinkType.Ethernet, 1);
        }
        Interlocked.Add(ref _next, n);
        block = record.Publish(Interlocked.Increment(ref _sequence), spare);
        return block is null ? CaptureStatus.Stopped : CaptureStatus.Packet;
    }
}
