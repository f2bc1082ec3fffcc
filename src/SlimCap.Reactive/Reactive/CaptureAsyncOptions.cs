using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>Options of <see cref="CaptureAsyncEnumerable.ReadAllAsync(CaptureSource, CaptureAsyncOptions, CancellationToken)"/>.</summary>
/// <remarks>Thread safety: immutable (init-only); safe to share.</remarks>
public sealed record CaptureAsyncOptions
{
    /// <summary>Largest <see cref="BoundedCapacity"/> (and <c>boundedCapacity</c> of every <c>ReadAllAsync</c>): 1024 blocks.</summary>
    public const int MaxBoundedCapacity = 1024;

    /// <summary>
    /// How many blocks the capture thread may read ahead of the consumer. Defaults to 4; 1 to
    /// <see cref="MaxBoundedCapacity"/> (the hand-off allocates a slot per block up front).
    /// </summary>
    public int BoundedCapacity { get; init; } = 4;

    /// <summary>Who runs the loop body after it waited for a block. Defaults to <see cref="AsyncContinuation.ConsumerThread"/>.</summary>
    public AsyncContinuation Continuation { get; init; } = AsyncContinuation.ConsumerThread;
}
