namespace SlimCap.Reactive;

/// <summary>Options of <see cref="CaptureAsyncEnumerable.ReadAllAsync(CaptureSource, CaptureAsyncOptions, CancellationToken)"/>.</summary>
/// <remarks>Thread safety: immutable (init-only); safe to share.</remarks>
public sealed record CaptureAsyncOptions
{
    /// <summary>How many blocks the capture thread may read ahead of the consumer. Defaults to 4.</summary>
    public int BoundedCapacity { get; init; } = 4;

    /// <summary>
    /// Run the consumer's continuation inline on the capture thread when a block arrives, instead of
    /// queueing it to the thread pool (Kestrel's <c>UnsafePreferInlineScheduling</c>). It saves two thread
    /// hops and the pool's spinning per block, so an <c>await foreach</c> costs about what a block loop
    /// does; but the capture thread then runs the loop body, so a body that blocks or is slow stalls the
    /// capture (and the kernel drops). Defaults to false.
    /// </summary>
    public bool UnsafePreferInlineScheduling { get; init; }
}
