using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// Time sampling with Rx <c>Sample</c> semantics over blocks: keeps the latest block received, and at each tick of
/// the scheduler forwards it narrowed to its last packet (the latest packet of the interval), or nothing when no block
/// arrived since the previous tick. A completion is delivered at the next tick, after the pending sample; an error at once.
/// </summary>
/// <remarks>
/// The source and the timer race, so the state is decided under <c>_gate</c>; blocks are released and forwarded
/// after it. Notifications to the observer are serialized by <c>_emitGate</c>, which guards nothing else.
/// A block superseded before a tick is disposed. Ownership of a forwarded block passes to the observer even if its
/// <c>OnNext</c> throws (the timer thread cannot tell whether the observer released it).
/// </remarks>
internal sealed class TimeSampleSink(IObserver<PacketBlock> downstream, TimeSpan interval, IScheduler scheduler) : BlockSink
{
    private readonly IObserver<PacketBlock> _downstream = downstream;
    private readonly object _gate = new();
    private readonly object _emitGate = new();
    private readonly SingleAssignmentDisposable _timer = new();
    private PacketBlock? _latest;
    private bool _atEnd;
    private bool _stopped;    // under _gate: no more blocks are kept
    private bool _terminated; // under _emitGate: a terminal message was sent

    /// <summary>The timer runs from before the subscription, as Rx's <c>Sample</c>.</summary>
    protected override void OnStarting() =>
        _timer.Disposable = scheduler.SchedulePeriodic(this, interval, static self => self.Tick());

    public override void OnNext(PacketBlock value)
    {
        PacketBlock? superseded;
        lock (_gate)
        {
            if (_stopped || value.PacketCount == 0)
            {
                superseded = value;
            }
            else
            {
                superseded = _latest;
                _latest = value;
            }
        }
        superseded?.Dispose();
    }

    public override void OnError(Exception error)
    {
        PacketBlock? pending = Stop();
        pending?.Dispose();
        bool send;
        lock (_emitGate)
        {
            send = !_terminated;
            _terminated = true;
            if (send) _downstream.OnError(error);
        }
        _timer.Dispose();
        DisposeUpstream();
    }

    public override void OnCompleted()
    {
        lock (_gate) _atEnd = true;
        DisposeUpstream();
    }

    private void Tick()
    {
        PacketBlock? sample;
        bool complete;
        lock (_gate)
        {
            if (_stopped) return;
            sample = _latest;
            _latest = null;
            complete = _atEnd;
            _stopped = complete;
        }
        if (sample is not null)
        {
            try
            {
                var last = new LastPacketSelector(sample.PacketCount);
                sample.Restrict(ref last);
            }
            catch (Exception e)
            {
                sample.Dispose();
                OnError(e);
                return;
            }
        }
        bool dropped = false;
        lock (_emitGate)
        {
            if (_terminated)
            {
                dropped = true;
            }
            else
            {
                if (sample is not null) _downstream.OnNext(sample);
                if (complete)
                {
                    _terminated = true;
                    _downstream.OnCompleted();
                }
            }
        }
        if (dropped) sample?.Dispose();
        if (complete) _timer.Dispose();
    }

    /// <summary>Stops keeping blocks; returns the pending one for the caller to dispose outside the lock.</summary>
    private PacketBlock? Stop()
    {
        lock (_gate)
        {
            _stopped = true;
            PacketBlock? pending = _latest;
            _latest = null;
            return pending;
        }
    }

    public override void Dispose()
    {
        _timer.Dispose();
        DisposeUpstream();
        Stop()?.Dispose();
    }
}
