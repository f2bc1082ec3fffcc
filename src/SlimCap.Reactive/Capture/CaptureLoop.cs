using System.Runtime.CompilerServices;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Capture;

/// <summary>
/// The one capture thread behind every stream (Rx, <c>await foreach</c>, Dataflow): reads blocks from a source and
/// hands each to a sink, until the source stops, fails, the sink declines, or <see cref="Stop"/> is called.
/// </summary>
/// <remarks>
/// <para>The loop opens the source itself when given a factory (and then owns and disposes it), or reads an existing
/// source whose reader gate it holds (and gives back when done). <see cref="Stop"/> wakes a blocked read with
/// <see cref="CaptureSource.Unblock"/>. After a stop nothing more reaches the sink.</para>
/// <para><b>Thread.</b> <see cref="Start"/> runs the loop on its own background thread named
/// <c>SlimCap capture NAME</c> after the source, so a host that forgets to stop it still exits, and a thread dump
/// says what each thread captures; <see cref="Run"/> runs it on a caller's long-running thread instead.</para>
/// <para><b>Faults.</b> If the sink throws, the block it was given is disposed unless the sink already did (only the
/// capture thread leases blocks from the source, so the check cannot see another owner's lease), the capture ends,
/// releases its source, and then the sink hears of it through <see cref="ICaptureSink.OnSinkFault"/>. Nothing is
/// rethrown on the capture thread: an exception there would end the process.</para>
/// </remarks>
internal sealed class CaptureLoop : IDisposable
{
    private const int NotStarted = 0, Running = 1, Finished = 2;
    private const string ThreadPrefix = "SlimCap capture";

    private readonly Func<CaptureSource>? _open;
    private readonly CaptureSource? _existing;
    private readonly ICaptureSink _sink;
    private readonly object _gate = new();
    private readonly ManualResetEventSlim _exited = new(false);
    private readonly TaskCompletionSource _exitedTask = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CaptureSource? _source;
    private int _state;
    private bool _stopRequested;
    private int _threadId;
    private CaptureLoop? _predecessor; // a stopping loop over the same source that this one waits for
    private readonly ManualResetEventSlim _stopped = new(false);

    private CaptureLoop(Func<CaptureSource>? open, CaptureSource? existing, ICaptureSink sink)
    {
        _open = open;
        _existing = existing;
        _sink = sink;
    }

    /// <summary>A loop that opens its own source with <paramref name="open"/> on the capture thread and disposes it at the end.</summary>
    internal static CaptureLoop ForFactory(Func<CaptureSource> open, ICaptureSink sink) => new(open, null, sink);

    /// <summary>
    /// A loop over an existing source, which serves one stream at a time. When another stream reads it, the new loop
    /// waits for that one to be stopped and to leave (at most <see cref="LiveReaderGrace"/> each), then reads; a reader
    /// that is not stopped, or does not leave, within the grace makes the new loop fail with <see cref="CaptureReaderGate.BusyError"/>. So
    /// unsubscribing and subscribing again at once is never refused, however the unsubscription travels: Rx sends a
    /// terminal message before it disposes upstream (<c>Take</c>), some operators dispose on a scheduler
    /// (<c>SubscribeOn</c>, <c>ObserveOn</c>), <c>Retry</c> and <c>Repeat</c> subscribe again from inside the old
    /// stream, and a capture thread delivers one last block or releases its source after the stop. The source stays
    /// open when the loop ends.
    /// </summary>
    /// <exception cref="InvalidOperationException">The source has ended (a file read to its end): a stream would get nothing.</exception>
    internal static CaptureLoop? ForSource(CaptureSource source, ICaptureSink sink)
    {
        var loop = new CaptureLoop(null, source, sink);
        object? holder = CaptureReaderGate.TryEnter(source, loop);
        if (holder is CaptureLoop reading)
        {
            loop._predecessor = reading; // Run waits for it to stop and leave (a while, if it is not stopping yet), then takes the gate
            return loop;
        }
        if (holder is not null) return null;
        if (source.EndedError() is { } ended)
        {
            CaptureReaderGate.Exit(source, loop);
            throw ended;
        }
        return loop;
    }

    /// <summary>How long a new stream over an existing source waits for the stream reading it to be stopped before it is refused.</summary>
    internal static readonly TimeSpan LiveReaderGrace = TimeSpan.FromSeconds(1);

    /// <summary>Completes (never faults) once the loop has ended, released everything it held and told the sink.</summary>
    internal Task Exited => _exitedTask.Task;

    /// <summary>
    /// Starts the loop on a new background thread named after the source, or on one from
    /// <paramref name="threadFactory"/> (a fan-out group's pinned member thread, which has its own name).
    /// </summary>
    internal void Start(Func<ThreadStart, Thread>? threadFactory = null)
    {
        if (threadFactory is not null)
        {
            threadFactory(Run).UnsafeStart();
            return;
        }
        string name = _existing is not null ? $"{ThreadPrefix} {_existing.Name}" : ThreadPrefix;
        var thread = new Thread(static state => ((CaptureLoop)state!).Run()) { IsBackground = true, Name = name };
        thread.UnsafeStart(this); // the capture flows no caller's ExecutionContext
    }

    /// <summary>Asks the loop to stop and wakes a blocked read. Idempotent, never blocks, safe from any thread.</summary>
    internal void Stop()
    {
        CaptureSource? wake = null;
        bool neverRan = false;
        lock (_gate)
        {
            if (_stopRequested) return;
            _stopRequested = true;
            _stopped.Set(); // ends a wait for a predecessor
            if (_state == NotStarted)
            {
                _state = Finished;
                neverRan = true;
            }
            else if (Environment.CurrentManagedThreadId != _threadId)
            {
                wake = _source; // the capture thread itself (a sink stopping it) is not blocked in a read
            }
        }
        if (neverRan)
        {
            if (_existing is not null) CaptureReaderGate.Exit(_existing, this);
            SignalExited();
            return;
        }
        try
        {
            wake?.Unblock();
        }
        catch (ObjectDisposedException)
        {
            // The source was closed meanwhile: its reader wakes up with Stopped anyway.
        }
    }

    /// <summary>
    /// Stops the loop and waits until it has released everything, for at most <see cref="DisposeWait"/>; on a capture
    /// thread (from inside a sink, as Rx's Take does on this loop's thread, or Catch, Switch and Merge do on another
    /// loop's) it only asks the loop to stop after the current call, since two capture threads each waiting for the
    /// other would never end. The wait is bounded because the caller may hold what the capture thread needs to
    /// leave: Rx's <c>Sample</c> forwards under its lock, so a <c>Take</c> behind it disposes the capture while the
    /// capture thread waits for that lock to deliver its next block.
    /// </summary>
    public void Dispose()
    {
        Stop();
        if (!t_onCaptureThread) _exited.Wait(DisposeWait);
    }

    /// <summary>How long <see cref="Dispose"/> waits for the capture thread to leave (it normally takes microseconds, or a socket's close).</summary>
    internal static readonly TimeSpan DisposeWait = TimeSpan.FromMilliseconds(250);

    /// <summary>True on a thread running a loop (its own, or a caller's long-running thread while it runs one).</summary>
    [ThreadStatic]
    private static bool t_onCaptureThread;

    private bool StopRequested
    {
        get { return Volatile.Read(ref _stopRequested); }
    }

    /// <summary>Runs the loop on the calling thread (a long-running thread the caller provides) until it ends.</summary>
    internal void Run()
    {
        lock (_gate)
        {
            if (_state != NotStarted) return; // stopped before it ran
            _state = Running;
            Volatile.Write(ref _threadId, Environment.CurrentManagedThreadId);
        }

        CaptureSource? source = _existing;
        Exception? error = null, sinkFault = null;
        bool completed = false;
        bool wasOnCaptureThread = t_onCaptureThread;
        t_onCaptureThread = true;
        try
        {
            if (source is null)
            {
                try
                {
                    source = _open!() ?? throw new InvalidOperationException("The capture source factory returned null.");
                    NameThread(source);
                }
                catch (Exception e)
                {
                    error = e;
                }
            }
            if (_predecessor is not null) error = TakeOver(source!);
            if (error is null && source is not null && Publish(source))
            {
                (completed, error, sinkFault) = ReadAll(source);
            }
        }
        finally
        {
            lock (_gate)
            {
                _source = null;
                _state = Finished;
            }
            if (_existing is not null) CaptureReaderGate.Exit(_existing, this);
            else if (completed && !StopRequested) source?.CloseAtEnd(); // blocks still queued downstream stay readable
            else source?.Dispose();
        }

        // Terminal messages only for a run nobody stopped, and after the source was released.
        try
        {
            if (sinkFault is not null) _sink.OnSinkFault(sinkFault);
            else if (!StopRequested)
            {
                if (error is not null) _sink.OnError(error);
                else if (completed) _sink.OnCompleted();
            }
        }
        finally
        {
            t_onCaptureThread = wasOnCaptureThread;
            SignalExited();
        }
    }

    /// <summary>
    /// Waits (parked, no polling) until the stopping loop this one follows has left, or this one is stopped, then takes
    /// the source's gate. An error when someone else took it meanwhile or the source has ended.
    /// </summary>
    private Exception? TakeOver(CaptureSource source)
    {
        CaptureLoop predecessor = _predecessor!;
        _predecessor = null;
        // Parked on both events, no polling: the predecessor being stopped (within the grace), then leaving; or this one being stopped.
        if (WaitHandle.WaitAny([predecessor._stopped.WaitHandle, _stopped.WaitHandle], LiveReaderGrace) == WaitHandle.WaitTimeout)
            return CaptureReaderGate.BusyError(source);
        if (WaitHandle.WaitAny([predecessor._exited.WaitHandle, _stopped.WaitHandle], LiveReaderGrace) == WaitHandle.WaitTimeout)
            return CaptureReaderGate.BusyError(source); // stopped, but its observer does not return
        if (StopRequested) return null;
        if (CaptureReaderGate.TryEnter(source, this) is not null) return CaptureReaderGate.BusyError(source);
        return source.EndedError();
    }

    /// <summary>A factory's source is known only now: the loop's own thread takes its name.</summary>
    private static void NameThread(CaptureSource source)
    {
        Thread thread = Thread.CurrentThread;
        if (thread.Name == ThreadPrefix) thread.Name = $"{ThreadPrefix} {source.Name}";
    }

    /// <summary>Makes the source visible to <see cref="Stop"/>; false when a stop came first.</summary>
    private bool Publish(CaptureSource source)
    {
        lock (_gate)
        {
            if (_stopRequested) return false;
            _source = source;
            return true;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (bool Completed, Exception? Error, Exception? SinkFault) ReadAll(CaptureSource source)
    {
        while (!StopRequested)
        {
            CaptureStatus status;
            PacketBlock? block;
            try
            {
                status = source.NextBlock(out block);
            }
            catch (ObjectDisposedException) when (source.IsDisposed)
            {
                return (true, null, null); // closed between two reads: the same as a blocked read returning Stopped
            }
            catch (Exception e)
            {
                return (false, e, null);
            }
            if (status == CaptureStatus.Stopped) return (true, null, null);
            if (status != CaptureStatus.Packet) continue; // Unblocked: re-check the stop request
            if (StopRequested)
            {
                block!.Dispose();
                break;
            }
            try
            {
                if (!_sink.OnBlock(block!)) Stop(); // the sink has no one left to give blocks to
            }
            catch (Exception e)
            {
                if (block!.IsLeased) block.Dispose();
                return (false, null, e);
            }
        }
        return (false, null, null);
    }

    private void SignalExited()
    {
        _exited.Set();
        _exitedTask.TrySetResult();
    }
}
