using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Sources;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// A bounded, single-writer single-reader queue of blocks between a dedicated capture thread and an async reader.
/// The writer blocks its own (dedicated) thread while the queue is full; the reader awaits without blocking any
/// thread. Nothing is allocated per block: the reader's wait is this object (a reusable <see cref="IValueTaskSource"/>)
/// and its wake-up is this object (an <see cref="IThreadPoolWorkItem"/>) run where <see cref="AsyncContinuation"/> says.
/// </summary>
/// <remarks>Decisions are made under the lock; waking the reader and disposing refused blocks happen after it.</remarks>
internal sealed class BlockHandoff : ICaptureSink, IValueTaskSource, IThreadPoolWorkItem
{
    private readonly object _gate = new();
    private readonly PacketBlock?[] _slots;
    private ManualResetValueTaskSourceCore<bool> _waiter; // mutable struct: never readonly
    private int _head;
    private int _count;
    private bool _readerWaiting;
    private bool _writerDone;
    private bool _readerGone;
    private bool _cancelled;
    private Exception? _error;

    private readonly AsyncContinuation _continuation;
    private readonly ConsumerThread? _consumer;

    internal BlockHandoff(int capacity, AsyncContinuation continuation = AsyncContinuation.ThreadPool)
    {
        _slots = new PacketBlock?[capacity];
        _continuation = continuation;
        if (continuation == AsyncContinuation.ConsumerThread) _consumer = new ConsumerThread();
        _waiter.RunContinuationsAsynchronously = false; // Execute already runs where the consumer should
    }

    // ---- writer side (capture thread) ----

    /// <summary>Queues the block, waiting while the queue is full. Disposes it (false: stop capturing) when the reader is gone.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool OnBlock(PacketBlock block)
    {
        bool accepted, wake = false;
        lock (_gate)
        {
            while (_count == _slots.Length && !_readerGone) Monitor.Wait(_gate);
            accepted = !_readerGone;
            if (accepted)
            {
                _slots[(_head + _count) % _slots.Length] = block;
                _count++;
                wake = TakeWaiter();
            }
        }
        if (!accepted)
        {
            block.Dispose();
            return false;
        }
        if (wake)
        {
            // Inline (opt-in): the consumer runs on this capture thread until it awaits the next block.
            if (_continuation == AsyncContinuation.CaptureThread) _waiter.SetResult(true);
            else Wake();
        }
        return true;
    }

    public void OnError(Exception error) => Finish(error);

    /// <summary>Only an inline consumer (<see cref="AsyncContinuation.CaptureThread"/>) can throw here: the reader sees the error.</summary>
    public void OnSinkFault(Exception error) => Finish(error);

    public void OnCompleted() => Finish(null);

    private void Finish(Exception? error)
    {
        bool wake;
        lock (_gate)
        {
            _writerDone = true;
            _error = error;
            wake = TakeWaiter();
        }
        if (wake) Wake();
        _consumer?.Stop(); // nothing can wake the reader after this
    }

    // ---- reader side ----

    /// <summary>Takes the oldest queued block, which the caller then owns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool TryRead(out PacketBlock? block)
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                block = null;
                return false;
            }
            block = _slots[_head];
            _slots[_head] = null;
            _head = (_head + 1) % _slots.Length;
            if (_count-- == _slots.Length) Monitor.Pulse(_gate); // the writer may be waiting for room
            return true;
        }
    }

    /// <summary>
    /// True once nothing more will come: the writer finished and the queue is empty, or the read was cancelled.
    /// Throws the capture's error, if it failed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool IsFinished(CancellationToken cancellationToken)
    {
        Exception? error;
        lock (_gate)
        {
            if (_cancelled) cancellationToken.ThrowIfCancellationRequested();
            if (_count > 0 || !_writerDone) return false;
            error = _error;
        }
        if (error is not null) ExceptionDispatchInfo.Throw(error);
        return true;
    }

    /// <summary>Completes when a block arrives, the writer finishes, or the read is cancelled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal ValueTask WaitAsync()
    {
        lock (_gate)
        {
            if (_count > 0 || _writerDone || _cancelled) return default;
            _waiter.Reset();
            _readerWaiting = true;
            return new ValueTask(this, _waiter.Version);
        }
    }

    /// <summary>Wakes a waiting reader so it sees the cancellation. Safe from any thread.</summary>
    internal void Cancel()
    {
        bool wake;
        lock (_gate)
        {
            _cancelled = true;
            wake = TakeWaiter();
        }
        if (wake) Wake();
        _consumer?.Stop(); // a cancelled reader never waits again
    }

    /// <summary>The reader is done: a waiting writer stops waiting and later blocks are disposed on arrival.</summary>
    internal void CloseReader()
    {
        lock (_gate)
        {
            _readerGone = true;
            Monitor.PulseAll(_gate);
        }
        _consumer?.Stop();
    }

    /// <summary>Disposes every block still queued. Call after <see cref="CloseReader"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void DisposeQueued()
    {
        while (TryRead(out PacketBlock? block)) block!.Dispose();
    }

    private bool TakeWaiter()
    {
        bool waiting = _readerWaiting;
        _readerWaiting = false;
        return waiting;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Wake()
    {
        if (_consumer is not null) _consumer.Schedule(this);
        else ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void IThreadPoolWorkItem.Execute() => _waiter.SetResult(true);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void IValueTaskSource.GetResult(short token) => _waiter.GetResult(token);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _waiter.GetStatus(token);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waiter.OnCompleted(continuation, state, token, flags);
}
