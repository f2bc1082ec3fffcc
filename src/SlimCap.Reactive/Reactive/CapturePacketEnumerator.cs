using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// The enumerator of a capture as <see cref="PacketRef"/>s (from <see cref="CapturePacketEnumerable.GetAsyncEnumerator"/>).
/// Hand-written rather than an async iterator so that a packet already in the current block costs a synchronous
/// <see cref="ValueTask{T}"/> and a walk step; the enumerator is itself the value-task source of the waits between
/// blocks, so nothing is allocated per block either. For one consumer at a time; each packet is valid until the next
/// <see cref="MoveNextAsync"/> (<see cref="PacketRef.Detach"/> keeps one).
/// </summary>
public sealed class CapturePacketEnumerator : IAsyncEnumerator<PacketRef>, IValueTaskSource<bool>
{
    private readonly CaptureSource? _source;
    private readonly Func<CaptureSource>? _openSource;
    private readonly BlockHandoff _handoff;
    private readonly CancellationToken _cancellationToken;
    private readonly CancellationTokenSource? _linkedTokens;
    private CaptureLoop? _loop;
    private CancellationTokenRegistration _registration;
    private PacketBlock? _block;
    private int _generation, _position, _index;
    private PacketRef _current;
    private bool _started, _finished, _disposed;
    private ManualResetValueTaskSourceCore<bool> _completion; // mutable struct: never readonly
    private ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter _wait;
    private readonly Action _onBlockArrived;

    internal CapturePacketEnumerator(CaptureSource? source, Func<CaptureSource>? openSource, int capacity, AsyncContinuation continuation,
        CancellationToken cancellationToken, CancellationTokenSource? linkedTokens)
    {
        _source = source;
        _openSource = openSource;
        _handoff = new BlockHandoff(capacity, continuation);
        _cancellationToken = cancellationToken;
        _linkedTokens = linkedTokens;
        _onBlockArrived = OnBlockArrived;
        // The block arrives on the thread its AsyncContinuation chose already: continue the consumer right there.
        _completion.RunContinuationsAsynchronously = false;
    }

    /// <summary>The packet the last <see cref="MoveNextAsync"/> moved to; default before the first and after the end.</summary>
    public PacketRef Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        get => _current;
    }

    /// <summary>Moves to the next packet: true with it in <see cref="Current"/>, false at the end (a closed source, a file's end).</summary>
    /// <exception cref="OperationCanceledException">The enumeration's token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The enumerator was disposed.</exception>
    // Optimized at once as well as inlined, for the consumer's tier-0 phase: see PacketRef.Data.
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public ValueTask<bool> MoveNextAsync()
    {
        PacketBlock? block = _block;
        // Scoped: each packet read ends the previous one's validity (a PacketRef is valid until the next MoveNextAsync).
        if (block is not null && block.TryReadNextOwned(ref _generation, ref _position, ref _index, out _current))
            return new ValueTask<bool>(true);
        return MoveToNextBlockAsync();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ValueTask<bool> MoveToNextBlockAsync()
    {
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_started) Start();
            if (_block is not null)
            {
                // The enumeration moved past the block's last packet, or the source closed under it: it goes back now.
                PacketBlock done = _block;
                _block = null;
                bool closed = done.IsStale(_generation);
                done.Dispose();
                _cancellationToken.ThrowIfCancellationRequested();
                // A closed source ends the enumeration, here as between blocks; the blocks read ahead of it are not
                // shown (a ring's are gone with it).
                if (closed || _source?.IsDisposed == true) return new ValueTask<bool>(Finish());
            }
            // Reset before any wait is registered: its continuation may complete the source right away.
            _completion.Reset();
            if (TryAdvance(out bool result)) return new ValueTask<bool>(result);
            return new ValueTask<bool>(this, _completion.Version);
        }
        catch (Exception e)
        {
            return ValueTask.FromException<bool>(e);
        }
    }

    /// <summary>
    /// Takes the next block that shows a packet. True when the answer is known (<paramref name="result"/>: a
    /// packet, or the end); false when it must wait, having registered <see cref="OnBlockArrived"/> to go on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryAdvance(out bool result)
    {
        while (!_finished)
        {
            if (_handoff.TryRead(out PacketBlock? next))
            {
                _generation = next!.CurrentGeneration;
                _position = 0;
                _index = 0;
                _block = next;
                if (next.TryReadNextOwned(ref _generation, ref _position, ref _index, out _current))
                {
                    result = true;
                    return true;
                }
                _block = null;
                next.Dispose();
                _cancellationToken.ThrowIfCancellationRequested();
                continue;
            }
            if (_handoff.IsFinished(_cancellationToken)) break;
            ValueTask wait = _handoff.WaitAsync();
            if (wait.IsCompleted)
            {
                wait.GetAwaiter().GetResult();
                continue;
            }
            // Waiting costs no thread and, with the continuation cached, no allocation.
            _wait = wait.ConfigureAwait(false).GetAwaiter();
            _wait.UnsafeOnCompleted(_onBlockArrived);
            result = false;
            return false;
        }
        result = Finish();
        return true;
    }

    private bool Finish()
    {
        _finished = true;
        _current = default;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void OnBlockArrived()
    {
        try
        {
            _wait.GetResult();
            _wait = default;
            if (TryAdvance(out bool result)) _completion.SetResult(result);
        }
        catch (Exception e)
        {
            _completion.SetException(e);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    bool IValueTaskSource<bool>.GetResult(short token) => _completion.GetResult(token);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _completion.GetStatus(token);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);

    private void Start()
    {
        _started = true;
        _cancellationToken.ThrowIfCancellationRequested();
        _loop = _source is not null
            ? CaptureLoop.ForSource(_source, _handoff) ?? throw CaptureReaderGate.BusyError(_source)
            : CaptureLoop.ForFactory(_openSource!, _handoff);
        _registration = _cancellationToken.UnsafeRegister(static h => ((BlockHandoff)h!).Cancel(), _handoff);
        _loop.Start();
    }

    /// <summary>Stops the capture, waits for its thread, and releases every block it still holds or queued.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        PacketBlock? block = _block;
        _block = null;
        _current = default;
        block?.Dispose();
        _registration.Dispose();
        if (_loop is not null)
        {
            _handoff.CloseReader(); // from here on the capture thread disposes what it reads instead of queueing it
            // Give back what was read ahead before waiting: a source whose blocks are all queued here waits for one
            // of them to come back before it can see the stop (a file's or a socket's pool, a starved ring).
            _handoff.DisposeQueued();
            _loop.Stop();
            await _loop.Exited.ConfigureAwait(false);
        }
        _linkedTokens?.Dispose();
    }
}
