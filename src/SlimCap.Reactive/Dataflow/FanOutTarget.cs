using System.Runtime.CompilerServices;
using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Ring;

namespace SlimCap.Reactive.Dataflow;

/// <summary>
/// One target of a fan-out: a bounded buffer linked to the caller's target block, and that target's counters.
/// The buffer never holds more than the configured capacity; what it refuses is disposed and counted here.
/// </summary>
/// <remarks>
/// <para>Under <see cref="BackPressurePolicy.Drop"/> the target may have at most <see cref="HoldLimit"/> views waiting
/// (handed to it, in this buffer or in its own input queue, and not opened yet), counting those moved onto copies
/// until they are disposed; a view beyond that is disposed and counted at once. A waiting view of a kernel ring block
/// that has fallen behind (<see cref="MoveLagging"/>) is moved onto a copy of its own, so a target that stopped taking
/// views holds no ring block the kernel needs: the kernel fills its blocks strictly in order, and one held block would
/// freeze the ring for every target.</para>
/// <para>When the target ends (completes or faults) while the fan-out still runs, the buffer is completed and drained,
/// so no lease waits forever in front of a target that will never take it. A target that faults also ends the fan-out.</para>
/// </remarks>
internal sealed class FanOutTarget
{
    private readonly BufferBlock<PacketBlock> _buffer;
    private long _blocksDelivered, _packetsDelivered, _blocksDropped, _packetsDropped;
    private volatile bool _ended;
    // Drop only, the fan-out's thread only: the views handed out and not opened yet, with the block number of each.
    private readonly PacketBlock?[] _waiting;
    private readonly long[] _waitingSince;
    private int _waitingCount;
    private RingBlockCopies? _copies;

    private readonly Action<Exception> _onFault;

    /// <param name="target">The caller's target.</param>
    /// <param name="capacity">The buffer's bound, in blocks.</param>
    /// <param name="onFault">Called once if the target faults (its delegate threw): the fan-out stops capturing.</param>
    internal FanOutTarget(ITargetBlock<PacketBlock> target, int capacity, Action<Exception> onFault)
    {
        Target = target;
        HoldLimit = capacity;
        _waiting = new PacketBlock?[capacity];
        _waitingSince = new long[capacity];
        _onFault = onFault;
        _buffer = new BufferBlock<PacketBlock>(new DataflowBlockOptions { BoundedCapacity = capacity });
        _buffer.LinkTo(target, new DataflowLinkOptions { PropagateCompletion = true });
        target.Completion.ContinueWith(static (ended, state) => ((FanOutTarget)state!).OnTargetEnded(ended), this,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    internal ITargetBlock<PacketBlock> Target { get; }

    /// <summary>Under Drop, how many views may wait for the target at once: the capacity, or less to fit a source's pool (see <see cref="PacketFanOut.TargetHoldLimit"/>).</summary>
    internal int HoldLimit { get; set; }

    /// <summary>Views moved onto copies and not disposed yet.</summary>
    internal int CopiesInUse => _copies?.InUse ?? 0;

    internal FanOutTargetCounters Counters => new(
        Interlocked.Read(ref _blocksDelivered), Interlocked.Read(ref _packetsDelivered),
        Interlocked.Read(ref _blocksDropped), Interlocked.Read(ref _packetsDropped));

    /// <summary>Hands <paramref name="view"/> (owned by the caller until then) to the buffer, or disposes and counts it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Deliver(PacketBlock view, BackPressurePolicy policy, long blockNumber, CancellationToken cancellationToken)
    {
        int packets = view.PacketCount; // read now: once accepted, the target may release the view at any time
        bool accepted = false;
        if (policy == BackPressurePolicy.Drop)
        {
            if (!_ended && HasRoom())
            {
                view.MarkMovable(); // before anyone can open it
                _waiting[_waitingCount] = view;
                _waitingSince[_waitingCount++] = blockNumber;
                accepted = (_buffer.Count == 0 && Target.Post(view)) || _buffer.Post(view);
            }
        }
        else if (!_ended)
        {
            // Straight to the target while nothing waits in the buffer (so the order holds; only this producer adds
            // to it): a buffer's hand-on is a thread-pool task per activation, and each of those is an idle
            // transition of a pool worker (perf/RESULTS.md). The buffer takes over when the target postpones.
            if (_buffer.Count == 0 && Target.Post(view))
            {
                accepted = true;
            }
            else
            {
                try
                {
                    // Completes synchronously (no allocation) while there is room; otherwise this dedicated producer waits.
                    accepted = _buffer.SendAsync(view, cancellationToken).GetAwaiter().GetResult();
                }
                catch (OperationCanceledException)
                {
                    accepted = false;
                }
            }
        }
        if (!accepted)
        {
            view.Dispose();
            Interlocked.Increment(ref _blocksDropped);
            Interlocked.Add(ref _packetsDropped, packets);
            return;
        }
        Interlocked.Increment(ref _blocksDelivered);
        Interlocked.Add(ref _packetsDelivered, packets);
        if (_ended) DrainBuffer(); // the target ended while we delivered: do not strand the lease
    }

    /// <summary>Forgets the views that were opened, moved or disposed since; true when one more may wait.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool HasRoom()
    {
        int kept = 0;
        for (int i = 0; i < _waitingCount; i++)
        {
            PacketBlock view = _waiting[i]!;
            if (!view.IsUnopened) continue;
            _waitingSince[kept] = _waitingSince[i];
            _waiting[kept++] = view;
        }
        Array.Clear(_waiting, kept, _waitingCount - kept); // no reference kept to a view that is the target's now
        _waitingCount = kept;
        return kept + CopiesInUse < HoldLimit;
    }

    /// <summary>
    /// Moves onto copies the waiting views of kernel ring blocks handed out <paramref name="keepBlocks"/> or more
    /// blocks before block <paramref name="blockNumber"/>: by then the kernel is about to come round to those blocks.
    /// A view moves only while nobody has opened it (a reader may hold memory inside what it opened). The fan-out's
    /// thread, after each block of a ring.
    /// </summary>
    internal void MoveLagging(long blockNumber, int keepBlocks)
    {
        for (int i = 0; i < _waitingCount; i++)
        {
            if (blockNumber - _waitingSince[i] < keepBlocks) break; // in hand-out order: the rest are newer
            PacketBlock view = _waiting[i]!;
            if (view.Storage is not RingBlock ring || !view.TryBeginMove()) continue;
            RingBlockCopies? copies = CopiesFor(ring.Reader);
            view.EndMove(copies?.TryCopy(ring));
        }
    }

    /// <summary>The target's copies, made for <paramref name="ring"/>'s geometry on first use (one per waiting view it may have).</summary>
    private RingBlockCopies? CopiesFor(RingReader ring)
    {
        RingBlockCopies? copies = _copies;
        if (copies is not null && copies.Fits(ring)) return copies;
        if (copies is not null && copies.InUse != 0) return null; // blocks of another ring: those views stay where they are
        copies?.Close();
        return _copies = new RingBlockCopies(ring.BlockSize, HoldLimit, ring.LinkType);
    }

    /// <summary>The copies' memory goes once the last copy is disposed.</summary>
    internal void CloseCopies() => _copies?.Close();

    /// <summary>No more blocks: the target gets what is buffered, then completes.</summary>
    internal void Complete() => _buffer.Complete();

    /// <summary>Stops now: disposes what is still buffered (counted as dropped) and completes the target.</summary>
    internal void Abort()
    {
        _buffer.Complete();
        DrainBuffer();
    }

    private void OnTargetEnded(Task ended)
    {
        _ended = true;
        _buffer.Complete();
        DrainBuffer();
        if (ended.Exception is { } fault) _onFault(fault.InnerExceptions.Count == 1 ? fault.InnerException! : fault);
    }

    private void DrainBuffer()
    {
        while (_buffer.TryReceive(out PacketBlock? block))
        {
            int packets = block.PacketCount;
            block.Dispose();
            Interlocked.Decrement(ref _blocksDelivered);
            Interlocked.Add(ref _packetsDelivered, -packets);
            Interlocked.Increment(ref _blocksDropped);
            Interlocked.Add(ref _packetsDropped, packets);
        }
    }
}
