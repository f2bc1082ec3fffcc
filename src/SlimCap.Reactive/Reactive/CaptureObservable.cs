using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace SlimCap.Reactive;

/// <summary>
/// Captures as cold <see cref="IObservable{T}"/> streams of <see cref="PacketBlock"/> leases.
/// </summary>
/// <remarks>
/// <para><b>Ownership.</b> Each block passed to <c>OnNext</c> belongs to the observer, which must dispose it exactly
/// once (the <see cref="System.Buffers.IMemoryOwner{T}"/> convention); for a ring source that is what hands the block
/// back to the kernel. An observer may keep blocks past <c>OnNext</c> (for example behind <c>ObserveOn</c> or
/// <c>Buffer</c>), but every block held is a ring block the kernel cannot fill, so hold few and briefly. Rx operators
/// that drop items (<c>Where</c>, <c>Take</c>, <c>Sample</c>…) do not dispose them: use this library's operators
/// (<see cref="PacketBlockObservable"/>) or dispose in your own code.</para>
/// <para><b>Threads.</b> The methods and the returned observables may be used from any thread. Subscribing starts the capture on a dedicated thread (by default a new background thread
/// from <see cref="NewThreadScheduler"/>); all notifications come from it, serialized.</para>
/// <para><b>Ending.</b> Disposing the subscription stops the capture (it wakes a blocked read), and returns after the
/// capture thread has released everything it held, unless called on the capture thread itself (from an observer, as
/// <c>Take</c> does), where the capture stops right after the current notification. Capture failures arrive as
/// <c>OnError</c> with the source's typed exception (a <see cref="CaptureException"/> or
/// <see cref="ObjectDisposedException"/>); a closed source or the end of a capture file completes the stream.</para>
/// <para><b>Observer faults.</b> If <c>OnNext</c> throws, the block it was given is disposed unless the observer
/// already did, the capture ends and releases its source, and the exception is rethrown on the capture thread, where
/// (as for any Rx scheduler thread) it is unhandled.</para>
/// <para><b>Rx operators.</b> The observer given to <c>Subscribe</c> receives every block, even one delivered while
/// the subscription is being disposed. Rx's own operators drop items when disposed (<c>ObserveOn</c> drops its queue):
/// end such pipelines by closing the source, which completes the stream and lets queued blocks through.</para>
/// </remarks>
public static class CaptureObservable
{
    /// <summary>
    /// A cold stream over sources opened per subscription: each subscription calls <paramref name="openSource"/> on its
    /// capture thread, reads that source alone, and disposes it when the subscription ends. Two subscriptions are two
    /// independent captures. Exceptions thrown by <paramref name="openSource"/> arrive as <c>OnError</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="openSource"/> is null.</exception>
    public static IObservable<PacketBlock> Create(Func<CaptureSource> openSource) =>
        Create(openSource, NewThreadScheduler.Default);

    /// <summary>
    /// As <see cref="Create(Func{CaptureSource})"/>, running each capture through <paramref name="captureScheduler"/>'s
    /// long-running facility (it must implement <see cref="ISchedulerLongRunning"/>, as <see cref="NewThreadScheduler"/>
    /// and <see cref="TaskPoolScheduler"/> do). The capture blocks its thread while waiting for packets.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="captureScheduler"/> does not support long-running work.</exception>
    public static IObservable<PacketBlock> Create(Func<CaptureSource> openSource, IScheduler captureScheduler)
    {
        ArgumentNullException.ThrowIfNull(openSource);
        ISchedulerLongRunning longRunning = RequireLongRunning(captureScheduler);
        return LeaseObservable.Create<PacketBlock>(observer =>
        {
            CaptureLoop loop = CaptureLoop.ForFactory(openSource, new ObserverCaptureSink(observer));
            loop.Start(longRunning);
            return loop;
        });
    }

    /// <summary>
    /// A cold stream over an existing source, which serves one stream at a time: subscribing while another
    /// subscription (or <see cref="CaptureAsyncEnumerable.ReadAllAsync(CaptureSource, CancellationToken)"/>) reads it
    /// delivers <c>OnError</c> with an <see cref="InvalidOperationException"/>. Disposing the subscription stops reading
    /// but leaves the source open (the caller owns it), so it can be subscribed again; closing the source completes the stream.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    public static IObservable<PacketBlock> ToObservable(this CaptureSource source) =>
        ToObservable(source, NewThreadScheduler.Default);

    /// <summary>As <see cref="ToObservable(CaptureSource)"/>, capturing through <paramref name="captureScheduler"/>'s long-running facility.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="captureScheduler"/> does not support long-running work.</exception>
    public static IObservable<PacketBlock> ToObservable(this CaptureSource source, IScheduler captureScheduler)
    {
        ArgumentNullException.ThrowIfNull(source);
        ISchedulerLongRunning longRunning = RequireLongRunning(captureScheduler);
        return LeaseObservable.Create<PacketBlock>(observer =>
        {
            CaptureLoop? loop = CaptureLoop.ForSource(source, new ObserverCaptureSink(observer));
            if (loop is null)
            {
                observer.OnError(CaptureReaderGate.BusyError(source));
                return Disposable.Empty;
            }
            loop.Start(longRunning);
            return loop;
        });
    }

    private static ISchedulerLongRunning RequireLongRunning(IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        return scheduler.AsLongRunning() ?? throw new ArgumentException(
            "The capture scheduler must support long-running work (ISchedulerLongRunning), such as NewThreadScheduler.", nameof(scheduler));
    }
}
