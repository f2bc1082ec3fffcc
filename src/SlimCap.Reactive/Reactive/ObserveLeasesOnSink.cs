using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// <c>ObserveOn</c> for leases: queues the source's notifications and delivers them, in order, on the scheduler;
/// disposing the subscription disposes every block still queued (and every block that arrives after), where Rx's
/// <c>ObserveOn</c> drops its queue and with it the leases.
/// </summary>
/// <remarks>
/// The source and the scheduler's drain race, so the queue is decided under <c>_gate</c>; no observer is called and
/// no block released under it. The queue holds at most what the source hands out unreturned (a ring's blocks, a file's
/// pool), so it needs no bound of its own.
/// </remarks>
internal sealed class ObserveLeasesOnSink : BlockSink
{
    private readonly IObserver<PacketBlock> _downstream;
    private readonly IScheduler _scheduler;
    private readonly object _gate = new();
    private readonly Queue<PacketBlock> _queue = new();
    private Exception? _error;
    private bool _ended;     // under _gate: a terminal message is queued behind the blocks
    private bool _draining;  // under _gate: a drain is scheduled or running
    private bool _disposed;  // under _gate

    internal ObserveLeasesOnSink(IObserver<PacketBlock> downstream, IScheduler scheduler)
    {
        _downstream = downstream;
        _scheduler = scheduler;
    }

    public override void OnNext(PacketBlock value)
    {
        bool schedule;
        lock (_gate)
        {
            if (_disposed || _ended)
            {
                schedule = false;
            }
            else
            {
                _queue.Enqueue(value);
                value = null!;
                schedule = !_draining;
                _draining = true;
            }
        }
        if (value is not null)
        {
            value.Dispose(); // nobody is listening any more
            return;
        }
        if (schedule) Schedule();
    }

    public override void OnError(Exception error) => End(error);

    public override void OnCompleted() => End(null);

    private void End(Exception? error)
    {
        bool schedule;
        lock (_gate)
        {
            if (_disposed || _ended) return;
            _ended = true;
            _error = error;
            schedule = !_draining;
            _draining = true;
        }
        if (schedule) Schedule();
    }

    private void Schedule() => _scheduler.Schedule(this, static (_, self) =>
    {
        self.Drain();
        return Disposable.Empty;
    });

    private void Drain()
    {
        while (true)
        {
            PacketBlock? next = null;
            bool end = false;
            Exception? error = null;
            lock (_gate)
            {
                if (_disposed) return;
                if (_queue.Count > 0)
                {
                    next = _queue.Dequeue();
                }
                else if (_ended)
                {
                    end = true;
                    error = _error;
                    _disposed = true; // terminal: nothing more is delivered
                }
                else
                {
                    _draining = false;
                    return;
                }
            }
            if (next is not null)
            {
                try
                {
                    _downstream.OnNext(next); // the observer owns the block from here, even if it throws
                }
                catch
                {
                    Dispose(); // the observer is broken: what is still queued must not wait for it
                    throw;
                }
                continue;
            }
            if (end)
            {
                if (error is not null) _downstream.OnError(error);
                else _downstream.OnCompleted();
                DisposeUpstream();
                return;
            }
        }
    }

    public override void Dispose()
    {
        PacketBlock[] queued;
        lock (_gate)
        {
            _disposed = true;
            queued = _queue.ToArray();
            _queue.Clear();
        }
        foreach (PacketBlock block in queued) block.Dispose();
        DisposeUpstream();
    }
}
