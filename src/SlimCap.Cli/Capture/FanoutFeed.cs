using System.Collections.Concurrent;
using SlimCap.Reactive;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Capture;

/// <summary>
/// A fan-out group's members merged (<see cref="FanoutGroupObservable.ToObservable"/>, one capture thread per member)
/// into one bounded queue the pump reads on its own thread, so sinks see one packet at a time.
/// </summary>
internal sealed class FanoutFeed : IBlockFeed, IObserver<PacketBlock>
{
    private readonly BlockingCollection<PacketBlock> _queue;
    private readonly IDisposable _subscription;
    private readonly object _gate = new();
    private CancellationTokenSource _wake = new();
    private Exception? _error;
    private bool _disposed;

    public FanoutFeed(FanoutGroupSource group)
    {
        // One block per member ring slot at most: a slow sink holds the members' threads, never more than the rings hold.
        _queue = new BlockingCollection<PacketBlock>(Math.Max(2, group.MemberCount * group.Options.BlockCount / 2));
        _subscription = group.ToObservable().Subscribe(this);
    }

    public CaptureStatus Next(out PacketBlock? block)
    {
        try
        {
            CancellationToken wake;
            lock (_gate) wake = _wake.Token;
            if (_queue.TryTake(out block, (int)PacketPump.IdleInterval.TotalMilliseconds, wake)) return CaptureStatus.Packet;
        }
        catch (OperationCanceledException)
        {
            block = null;
            lock (_gate)
            {
                _wake.Dispose();
                _wake = new CancellationTokenSource();
            }
            return CaptureStatus.Unblocked;
        }
        if (_queue.IsCompleted)
        {
            if (_error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_error);
            return CaptureStatus.Stopped;
        }
        return CaptureStatus.Unblocked;
    }

    public void Wake()
    {
        lock (_gate)
        {
            if (!_disposed) _wake.Cancel();
        }
    }

    public void OnNext(PacketBlock value)
    {
        try
        {
            _queue.Add(value);
        }
        catch (InvalidOperationException)
        {
            value.Dispose(); // the feed is closing: nobody will read this block
        }
    }

    public void OnError(Exception error)
    {
        _error = error;
        _queue.CompleteAdding();
    }

    public void OnCompleted() => _queue.CompleteAdding();

    public void Dispose()
    {
        _queue.CompleteAdding();
        _subscription.Dispose();
        while (_queue.TryTake(out PacketBlock? block)) block.Dispose();
        lock (_gate)
        {
            _disposed = true;
            _wake.Dispose();
        }
    }
}
