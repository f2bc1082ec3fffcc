namespace SlimCap.Reactive;

/// <summary>Where the body of an <c>await foreach</c> over a capture resumes after it waited for the next block.</summary>
/// <remarks>
/// Within a block the loop body never hops threads (each packet is a synchronous <see cref="ValueTask{T}"/>); these
/// modes only decide who runs it once the consumer caught up with the capture and a new block arrives. A consumer
/// with a <see cref="SynchronizationContext"/> (and no <c>ConfigureAwait(false)</c>) resumes on that context in
/// every mode.
/// </remarks>
public enum AsyncContinuation
{
    /// <summary>
    /// A thread of the enumeration's own, next to its capture thread (the default). The capture thread keeps reading
    /// ahead while the body runs, a slow or blocking body stalls neither the capture nor the thread pool, and waking
    /// the body is one futex wake: the thread pool's workers spin for tens to hundreds of microseconds each time they
    /// run out of work, which at one wake per ring block cost more CPU than the whole capture (perf/RESULTS.md).
    /// </summary>
    ConsumerThread,

    /// <summary>
    /// The .NET thread pool, as an ordinary async method continues. Costs the pool's idle spinning per block unless
    /// the application sets <c>System.Threading.ThreadPool.UnfairSemaphoreSpinLimit</c> to 0 in its runtime config.
    /// </summary>
    ThreadPool,

    /// <summary>
    /// Inline on the capture thread (Kestrel's <c>UnsafePreferInlineScheduling</c>): no wake-up at all, the cheapest;
    /// but the capture thread then runs the loop body, so it does not read ahead meanwhile (a ring source still
    /// buffers in the kernel; a file source reads serially), and a body that blocks stalls the capture until the
    /// kernel drops. A body must not wait synchronously for the enumeration's own disposal.
    /// </summary>
    CaptureThread,
}
