using System.Runtime.CompilerServices;
using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Dataflow;

/// <summary>
/// One target of a fan-out: a bounded buffer linked to the caller's target block, and that target's counters.
/// The buffer never holds more than the configured capacity; what it refuses is disposed and counted here.
/// </summary>
/// <remarks>
/// When the target ends (completes or faults) while the fan-out still runs, the buffer is completed and drained, so
/// no lease waits forever in front of a target that will never take it. A target that faults also ends the fan-out.
/// </remarks>
internal sealed class FanOutTarget
{
    private readonly BufferBlock<PacketBlock> _buffer;
    private long _blocksDelivered, _packetsDelivered, _blocksDropped, _packetsDropped;
    private volatile bool _ended;

    private readonly Action<Exception> _onFault;

    /// <param name="target">The caller's target.</param>
    /// <param name="capacity">The buffer's bound, in blocks.</param>
    /// <param name="onFault">Called once if the target faults (its delegate threw): the fan-out stops capturing.</param>
    internal FanOutTarget(ITargetBlock<PacketBlock> target, int capacity, Action<Exception> onFault)
    {
        Target = target;
        _onFault = onFault;
        _buffer = new BufferBlock<PacketBlock>(new DataflowBlockOptions { BoundedCapacity = capacity });
        _buffer.LinkTo(target, new DataflowLinkOptions { PropagateCompletion = true });
        target.Completion.ContinueWith(static (ended, state) => ((FanOutTarget)state!).OnTargetEnded(ended), this,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    internal ITargetBlock<PacketBlock> Target { get; }

    internal FanOutTargetCounters Counters => new(
        Interlocked.Read(ref _blocksDelivered), Interlocked.Read(ref _packetsDelivered),
        Interlocked.Read(ref _blocksDropped), Interlocked.Read(ref _packetsDropped));

    /// <summary>Hands <paramref name="view"/> (owned by the caller until then) to the buffer, or disposes and counts it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Deliver(PacketBlock view, BackPressurePolicy policy, CancellationToken cancellationToken)
    {
        int packets = view.PacketCount; // read now: once accepted, the target may release the view at any time
        bool accepted = false;
        if (!_ended)
        {
            // Straight to the target while nothing waits in the buffer (so the order holds; only this producer adds
            // to it): a buffer's hand-on is a thread-pool task per activation, and each of those is an idle
            // transition of a pool worker (perf/RESULTS.md). The buffer takes over when the target postpones.
            if (_buffer.Count == 0 && Target.Post(view))
            {
                accepted = true;
            }
            else if (policy == BackPressurePolicy.Drop)
            {
                accepted = _buffer.Post(view);
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
