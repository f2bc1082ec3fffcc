using System.Runtime.CompilerServices;
using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Dataflow;

/// <summary>
/// Feeds captured blocks to several TPL Dataflow targets, each behind a bounded buffer, with a back-pressure policy
/// chosen by the caller. See <see cref="PacketBroadcaster"/> (every block to every target) and
/// <see cref="PacketPartitioner"/> (each packet to one target, by flow).
/// </summary>
/// <remarks>
/// <para><b>Ownership.</b> <see cref="Post"/> takes ownership of a block. Each target receives its own pooled view
/// of the block (a <see cref="PacketBlock"/> it owns and must dispose) that shares the block's lease by reference
/// counting: the block returns to the kernel or its pool when the last view is disposed. A view shows only what
/// is meant for its target, and its packets die when that view is disposed.</para>
/// <para><b>Bounds.</b> Nothing here buffers without bound: each target has a buffer of
/// <see cref="FanOutOptions.BoundedCapacity"/> blocks; when it is full the producer waits or the view is dropped
/// (disposed and counted in <see cref="GetCounters"/>). Give the targets a <c>BoundedCapacity</c> as well.</para>
/// <para><b>Ending.</b> <see cref="Complete"/> lets targets finish what they hold, then completes them;
/// <see cref="Dispose"/> stops at once, disposing what is still buffered. Close the source only once
/// <see cref="Completion"/> has completed: a closed source ends every lease it handed out, so views still waiting in
/// a target's queue then throw <see cref="ObjectDisposedException"/> when read. A target that ends early (completes or
/// faults) gets nothing more: what was buffered for it is disposed and counted as dropped. A faulted Dataflow block
/// discards its own input queue, so handle errors inside target delegates to keep every lease accounted for.</para>
/// <para><b>Thread safety.</b> One producer at a time calls <see cref="Post"/> (as <see cref="RunAsync"/>'s capture
/// thread does). Counters, <see cref="Complete"/> and <see cref="Dispose"/> are safe from any thread.</para>
/// </remarks>
public abstract class PacketFanOut : IDisposable
{
    private readonly FanOutTarget[] _targets;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _error;
    private int _completed;
    private CaptureSource? _meteredSource;

    private protected PacketFanOut(IEnumerable<ITargetBlock<PacketBlock>> targets, FanOutOptions? options)
    {
        ArgumentNullException.ThrowIfNull(targets);
        options ??= new FanOutOptions();
        options.Validate();
        ITargetBlock<PacketBlock>[] list = targets.ToArray();
        if (list.Length == 0) throw new ArgumentException("At least one target is needed.", nameof(targets));
        if (Array.IndexOf(list, null) >= 0) throw new ArgumentException("A target is null.", nameof(targets));
        Options = options;
        _targets = Array.ConvertAll(list, t => new FanOutTarget(t, options.BoundedCapacity, CompleteWithError));
        Completion = CompleteAfterTargetsAsync();
        FanOutMeter.Register(this);
    }

    /// <summary>The options in force.</summary>
    public FanOutOptions Options { get; }

    /// <summary>Number of targets.</summary>
    public int TargetCount => _targets.Length;

    /// <summary>
    /// Completes when every target has completed after <see cref="Complete"/> (or <see cref="Dispose"/>); faults with the
    /// capture's error when <see cref="RunAsync"/> ended on one, or with a target's error.
    /// </summary>
    public Task Completion { get; }

    /// <summary>The counters of target <paramref name="target"/> (its index in the list given at creation).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="target"/> is not a target index.</exception>
    public FanOutTargetCounters GetCounters(int target)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(target);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(target, _targets.Length);
        return _targets[target].Counters;
    }

    /// <summary>
    /// Takes ownership of <paramref name="block"/> and fans it out. Under <see cref="BackPressurePolicy.Wait"/> it may
    /// block until targets have room. Returns false (having disposed the block) once the fan-out was completed.
    /// If a caller's delegate (a key selector) throws, the block is disposed and the exception propagates.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="block"/> is null.</exception>
    public bool Post(PacketBlock block) => PostCore(block, _stopping.Token);

    /// <summary>
    /// Reads <paramref name="source"/> on its own capture thread (a background thread named after the source) and posts
    /// every block until the source stops, the capture fails, a target faults (its delegate threw), the fan-out is
    /// disposed or <paramref name="cancellationToken"/> is cancelled; then completes the fan-out. The returned task ends
    /// with the capture, after every block it read was handed on or released: cancelled, or faulted with the capture's
    /// typed exception or the faulted target's exception; await <see cref="Completion"/> for the targets. The source
    /// serves one reader at a time and stays open: the caller owns it.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="InvalidOperationException">Another stream already reads <paramref name="source"/>, or it is a capture file an earlier stream read to its end.</exception>
    public Task RunAsync(CaptureSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        return RunOnThread(source, null, cancellationToken);
    }

    /// <summary>As <see cref="RunAsync(CaptureSource, CancellationToken)"/>, on a thread from <paramref name="threadFactory"/> (a fan-out group's pinned member thread) when given.</summary>
    internal Task RunOnThread(CaptureSource source, Func<ThreadStart, Thread>? threadFactory, CancellationToken cancellationToken)
    {
        var sink = new FanOutCaptureSink(this, cancellationToken);
        CaptureLoop loop = CaptureLoop.ForSource(source, sink) ?? throw CaptureReaderGate.BusyError(source);
        Volatile.Write(ref _meteredSource, source);
        return sink.RunAsync(loop, threadFactory);
    }

    /// <summary>No more blocks: each target receives what is buffered for it, then completes. Idempotent.</summary>
    public void Complete()
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0) return;
        foreach (FanOutTarget t in _targets) t.Complete();
    }

    /// <summary>
    /// Stops at once: a producer waiting for room gives up, blocks still buffered are disposed (counted as dropped), and
    /// the targets complete after what they already hold. Idempotent.
    /// </summary>
    public void Dispose()
    {
        _stopping.Cancel();
        Interlocked.Exchange(ref _completed, 1);
        foreach (FanOutTarget t in _targets) t.Abort();
        FanOutMeter.Unregister(this);
        GC.SuppressFinalize(this);
    }

    /// <summary>The source <see cref="RunAsync"/> last read, whose tags the drop measurements carry; null before.</summary>
    internal CaptureSource? MeteredSource => Volatile.Read(ref _meteredSource);

    /// <summary>The meter's <see cref="CaptureMetrics.FanOutKindTag"/>.</summary>
    internal abstract string MetricsKind { get; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool PostCore(PacketBlock block, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(block);
        try
        {
            if (Volatile.Read(ref _completed) != 0) return false;
            Distribute(block, cancellationToken);
            return true;
        }
        finally
        {
            block.Dispose(); // the fan-out's own reference; the views hold theirs
        }
    }

    /// <summary>The first error that ended the fan-out (a capture failure or a target's fault), or null.</summary>
    internal Exception? Error => Volatile.Read(ref _error);

    /// <summary>
    /// Ends the fan-out after a capture failure or a target's fault: <see cref="Post"/> refuses further blocks (so
    /// <see cref="RunAsync"/> stops capturing), targets finish what they hold, then <see cref="Completion"/> faults.
    /// </summary>
    internal void CompleteWithError(Exception error)
    {
        Interlocked.CompareExchange(ref _error, error, null);
        Complete();
    }

    /// <summary>Makes views of <paramref name="block"/> (which stays the caller's) and hands each to <see cref="Deliver"/>.</summary>
    private protected abstract void Distribute(PacketBlock block, CancellationToken cancellationToken);

    /// <summary>Hands <paramref name="view"/>, which the caller owns until then, to target <paramref name="target"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected void Deliver(int target, PacketBlock view, CancellationToken cancellationToken) =>
        _targets[target].Deliver(view, Options.BackPressure, cancellationToken);

    private async Task CompleteAfterTargetsAsync()
    {
        await Task.WhenAll(Array.ConvertAll(_targets, t => t.Target.Completion)).ConfigureAwait(false);
        Exception? error = Volatile.Read(ref _error);
        if (error is not null) throw error;
    }
}
