using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;

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
/// <para><b>Threads.</b> The methods and the returned observables may be used from any thread. Subscribing starts the
/// capture on a dedicated thread (by default a new background thread named <c>SlimCap capture NAME</c> after the
/// source, so a forgotten subscription never keeps a process alive); all notifications come from it, serialized.</para>
/// <para><b>Ending.</b> Disposing the subscription stops the capture (it wakes a blocked read), and returns after the
/// capture thread has released everything it held (waiting at most 250 ms: the caller may hold a lock the capture
/// thread needs, as Rx's <c>Sample</c> does), unless called on a capture thread (from an observer, as
/// <c>Take</c> does, or from another capture's observer, as <c>Catch</c> and <c>Switch</c> do), where the capture stops
/// right after the current notification. A factory's source read to its natural end (a file's last record) is closed
/// then, but blocks still queued downstream (<c>ObserveOn</c>, <c>Buffer</c>, a last sample) stay readable until disposed. Capture failures arrive as
/// <c>OnError</c> with the source's typed exception (a <see cref="CaptureException"/> or
/// <see cref="ObjectDisposedException"/>); a closed source or the end of a capture file completes the stream.</para>
/// <para><b>Observer faults.</b> If <c>OnNext</c> throws, the process goes on: the block it was given is disposed
/// unless the observer already did, the capture ends and releases its blocks and source, the observer gets nothing
/// more (neither <c>OnError</c> nor <c>OnCompleted</c>: it just failed), and then <see cref="ObserverFaulted"/> is
/// raised with the exception. Rx operators that run your delegates (<c>Select</c>, <c>Do</c>, <c>ForEachAsync</c>…)
/// catch their exceptions themselves and send <c>OnError</c> downstream, so there the error reaches your
/// <c>onError</c> or the awaited task as usual; the hook is for observers whose <c>OnNext</c> throws past them (a
/// plain <c>Subscribe(onNext)</c> lambda, your own <c>IObserver</c>).</para>
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
    public static IObservable<PacketBlock> Create(Func<CaptureSource> openSource)
    {
        ArgumentNullException.ThrowIfNull(openSource);
        return FromLoop(observer => CaptureLoop.ForFactory(openSource, new ObserverCaptureSink(observer)), null);
    }

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
        return FromLoop(observer => CaptureLoop.ForFactory(openSource, new ObserverCaptureSink(observer)), longRunning);
    }

    /// <summary>
    /// A cold stream over an existing source, which serves one stream at a time: subscribing while another
    /// subscription (or <see cref="CaptureAsyncEnumerable.ReadAllAsync(CaptureSource, CancellationToken)"/>) reads it
    /// delivers <c>OnError</c> with an <see cref="InvalidOperationException"/>, and so does subscribing to a capture file
    /// that an earlier stream read to its end. Disposing the subscription stops reading but leaves the source open (the
    /// caller owns it), so it can be subscribed again; closing the source completes the stream.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    public static IObservable<PacketBlock> ToObservable(this CaptureSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return FromSource(source, null);
    }

    /// <summary>As <see cref="ToObservable(CaptureSource)"/>, capturing through <paramref name="captureScheduler"/>'s long-running facility.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="captureScheduler"/> does not support long-running work.</exception>
    public static IObservable<PacketBlock> ToObservable(this CaptureSource source, IScheduler captureScheduler)
    {
        ArgumentNullException.ThrowIfNull(source);
        return FromSource(source, RequireLongRunning(captureScheduler));
    }

    /// <summary>
    /// Raised when an observer of a capture stream threw from <c>OnNext</c>, on the capture thread, after that capture
    /// stopped and released its blocks and source (see the remarks above). Handlers should be quick and must not throw
    /// (what they throw is ignored). With no handler the exception is dropped, as an unobserved task's is.
    /// </summary>
    public static event EventHandler<ObserverFaultEventArgs>? ObserverFaulted;

    internal static void ReportObserverFault(IObserver<PacketBlock> observer, Exception error)
    {
        EventHandler<ObserverFaultEventArgs>? handlers = ObserverFaulted;
        if (handlers is null) return;
        var args = new ObserverFaultEventArgs(observer, error);
        foreach (EventHandler<ObserverFaultEventArgs> handler in handlers.GetInvocationList().Cast<EventHandler<ObserverFaultEventArgs>>())
        {
            try
            {
                handler(null, args);
            }
            catch (Exception)
            {
                // A throwing handler must not end the process from the capture thread, nor keep the others from hearing.
            }
        }
    }

    private static IObservable<PacketBlock> FromSource(CaptureSource source, ISchedulerLongRunning? scheduler) =>
        FromLoop(observer => CaptureLoop.ForSource(source, new ObserverCaptureSink(observer)), scheduler, source);

    /// <summary>A stream whose every subscription runs a loop made by <paramref name="create"/>; null from it means <paramref name="source"/> is busy.</summary>
    private static IObservable<PacketBlock> FromLoop(Func<IObserver<PacketBlock>, CaptureLoop?> create, ISchedulerLongRunning? scheduler,
        CaptureSource? source = null) =>
        LeaseObservable.Create<PacketBlock>(observer =>
        {
            CaptureLoop? loop;
            try
            {
                loop = create(observer);
            }
            catch (InvalidOperationException ended)
            {
                observer.OnError(ended); // a file read to its end by an earlier stream
                return Disposable.Empty;
            }
            if (loop is null)
            {
                observer.OnError(CaptureReaderGate.BusyError(source!));
                return Disposable.Empty;
            }
            Start(loop, scheduler);
            return loop;
        });

    /// <summary>
    /// On the loop's own named background thread, or on the caller's long-running scheduler; once the Rx subscription
    /// being built around this one has been wired up. Inside an Rx operator's subscribe (a trampoline is active on this
    /// thread) the start waits on that trampoline until the operators have their upstream disposables: started at once,
    /// a fast source (a file) would deliver blocks to a <c>Take</c> that completed but could not yet unsubscribe, which
    /// drops them, and an unsubscription arriving before the wiring is done would be held back until then.
    /// </summary>
    private static void Start(CaptureLoop loop, ISchedulerLongRunning? scheduler)
    {
        if (CurrentThreadScheduler.IsScheduleRequired)
        {
            StartNow(loop, scheduler);
            return;
        }
        CurrentThreadScheduler.Instance.Schedule((loop, scheduler), static (_, state) =>
        {
            StartNow(state.loop, state.scheduler);
            return Disposable.Empty;
        });
    }

    private static void StartNow(CaptureLoop loop, ISchedulerLongRunning? scheduler)
    {
        if (scheduler is null) loop.Start();
        else scheduler.ScheduleLongRunning(loop, static (l, _) => l.Run());
    }

    private static ISchedulerLongRunning RequireLongRunning(IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        return scheduler.AsLongRunning() ?? throw new ArgumentException(
            "The capture scheduler must support long-running work (ISchedulerLongRunning), such as NewThreadScheduler.", nameof(scheduler));
    }
}
