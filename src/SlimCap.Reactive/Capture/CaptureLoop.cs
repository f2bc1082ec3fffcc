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

    private CaptureLoop(Func<CaptureSource>? open, CaptureSource? existing, ICaptureSink sink)
    {
        _open = open;
        _existing = existing;
        _sink = sink;
    }

    /// <summary>A loop that opens its own source with <paramref name="open"/> on the capture thread and disposes it at the end.</summary>
    internal static CaptureLoop ForFactory(Func<CaptureSource> open, ICaptureSink sink) => new(open, null, sink);

    /// <summary>
    /// A loop over an existing source; null (and nothing started) when another stream already reads it.
    /// The source stays open when the loop ends.
    /// </summary>
    /// <exception cref="InvalidOperationException">The source has ended (a file read to its end): a stream would get nothing.</exception>
    internal static CaptureLoop? ForSource(CaptureSource source, ICaptureSink sink)
    {
        if (!CaptureReaderGate.TryEnter(source)) return null;
        if (source.EndedError() is { } ended)
        {
            CaptureReaderGate.Exit(source);
            throw ended;
        }
        return new CaptureLoop(null, source, sink);
    }

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
            if (_existing is not null) CaptureReaderGate.Exit(_existing);
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
    /// Stops the loop and waits until it has released everything, unless called on the capture thread itself
    /// (from inside the sink, as Rx's Take does), where it only asks the loop to stop after the current call.
    /// </summary>
    public void Dispose()
    {
        Stop();
        if (Environment.CurrentManagedThreadId != Volatile.Read(ref _threadId)) _exited.Wait();
    }

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
            if (source is not null && Publish(source))
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
            if (_existing is not null) CaptureReaderGate.Exit(_existing);
            else source?.Dispose();
        }

        // Terminal messages only for a run nobody stopped, and after the source was released.
        if (sinkFault is not null) _sink.OnSinkFault(sinkFault);
        else if (!StopRequested)
        {
            if (error is not null) _sink.OnError(error);
            else if (completed) _sink.OnCompleted();
        }
        SignalExited();
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
