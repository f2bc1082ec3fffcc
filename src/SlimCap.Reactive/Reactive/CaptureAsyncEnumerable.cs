using System.Reactive.Concurrency;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// Captures as <see cref="IAsyncEnumerable{T}"/> of <see cref="PacketRef"/> for <c>await foreach</c>.
/// </summary>
/// <remarks>
/// <para><b>Lifetime.</b> Each <see cref="PacketRef"/> is valid until the next <c>MoveNextAsync</c> (as a Pipelines
/// <c>ReadResult</c>): once enumeration moves past a block's last packet, that block is disposed (a ring block goes
/// back to the kernel) and its packets throw <see cref="ObjectDisposedException"/>. Call <see cref="PacketRef.Detach"/>
/// to keep a packet longer.</para>
/// <para><b>Threads.</b> The methods may be called from any thread; an enumerator is for one consumer at a time. A dedicated capture thread reads blocks into a small bounded queue (4 blocks unless given);
/// when it is full the capture thread waits, and the kernel drops (and counts) what the ring cannot hold. Waiting for
/// the next block blocks no thread: the loop body resumes on the enumeration's own consumer thread unless
/// <see cref="CaptureAsyncOptions.Continuation"/> says otherwise (or on the captured context, if any).
/// Nothing is allocated per packet or per block.</para>
/// <para><b>Ending.</b> <c>break</c>, disposing the enumerator, or cancelling the token (<c>WithCancellation</c> or the
/// argument) stops the capture; disposing the enumerator completes once the capture thread has exited and every
/// queued block was released (blocks read ahead but not yet enumerated are released unread: a later reader of the
/// same source continues after them). Cancellation throws <see cref="OperationCanceledException"/>; a capture failure throws
/// the source's exception after the packets read before it; a closed source or the end of a file ends the enumeration.</para>
/// </remarks>
public static class CaptureAsyncEnumerable
{
    private const int DefaultCapacity = 4;

    /// <summary>
    /// Enumerates the packets of an existing source, which serves one reader at a time (a second concurrent stream
    /// throws <see cref="InvalidOperationException"/> on its first <c>MoveNextAsync</c>, as does enumerating a capture
    /// file that an earlier stream read to its end). The source stays open when the enumeration ends; the caller owns it.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    public static CapturePacketEnumerable ReadAllAsync(this CaptureSource source, CancellationToken cancellationToken = default) =>
        ReadAllAsync(source, DefaultCapacity, cancellationToken);

    /// <summary>As <see cref="ReadAllAsync(CaptureSource, CancellationToken)"/>, with <paramref name="options"/> (read-ahead, where the loop body resumes).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="InvalidCaptureOptionException">The options' capacity is not between 1 and <see cref="CaptureAsyncOptions.MaxBoundedCapacity"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The options' continuation is not an <see cref="AsyncContinuation"/> value.</exception>
    public static CapturePacketEnumerable ReadAllAsync(this CaptureSource source, CaptureAsyncOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        InvalidCaptureOptionException.ThrowIfOutOfRange(options.BoundedCapacity, 1, CaptureAsyncOptions.MaxBoundedCapacity, nameof(CaptureAsyncOptions.BoundedCapacity));
        if (!Enum.IsDefined(options.Continuation))
            throw new ArgumentOutOfRangeException(nameof(options), options.Continuation, $"{nameof(CaptureAsyncOptions)}.{nameof(CaptureAsyncOptions.Continuation)} is not an {nameof(AsyncContinuation)} value.");
        return Enumerate(source, null, options.BoundedCapacity, options.Continuation, cancellationToken);
    }

    /// <summary>As <see cref="ReadAllAsync(CaptureSource, CancellationToken)"/>, queueing at most <paramref name="boundedCapacity"/> blocks ahead of the reader.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="InvalidCaptureOptionException"><paramref name="boundedCapacity"/> is not between 1 and <see cref="CaptureAsyncOptions.MaxBoundedCapacity"/>.</exception>
    public static CapturePacketEnumerable ReadAllAsync(this CaptureSource source, int boundedCapacity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        InvalidCaptureOptionException.ThrowIfOutOfRange(boundedCapacity, 1, CaptureAsyncOptions.MaxBoundedCapacity, nameof(boundedCapacity));
        return Enumerate(source, null, boundedCapacity, AsyncContinuation.ConsumerThread, cancellationToken);
    }

    /// <summary>
    /// Enumerates the packets of a source opened for this enumeration by <paramref name="openSource"/> (on the capture
    /// thread) and disposed when it ends. Exceptions from <paramref name="openSource"/> are thrown by <c>MoveNextAsync</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="openSource"/> is null.</exception>
    public static CapturePacketEnumerable ReadAllAsync(Func<CaptureSource> openSource, CancellationToken cancellationToken = default) =>
        ReadAllAsync(openSource, DefaultCapacity, cancellationToken);

    /// <summary>As <see cref="ReadAllAsync(Func{CaptureSource}, CancellationToken)"/>, queueing at most <paramref name="boundedCapacity"/> blocks ahead of the reader.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="openSource"/> is null.</exception>
    /// <exception cref="InvalidCaptureOptionException"><paramref name="boundedCapacity"/> is not between 1 and <see cref="CaptureAsyncOptions.MaxBoundedCapacity"/>.</exception>
    public static CapturePacketEnumerable ReadAllAsync(Func<CaptureSource> openSource, int boundedCapacity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(openSource);
        InvalidCaptureOptionException.ThrowIfOutOfRange(boundedCapacity, 1, CaptureAsyncOptions.MaxBoundedCapacity, nameof(boundedCapacity));
        return Enumerate(null, openSource, boundedCapacity, AsyncContinuation.ConsumerThread, cancellationToken);
    }

    private static CapturePacketEnumerable Enumerate(CaptureSource? source, Func<CaptureSource>? openSource, int capacity,
        AsyncContinuation continuation, CancellationToken cancellationToken)
 =>
        new CapturePacketEnumerable(source, openSource, capacity, continuation, cancellationToken);
}
