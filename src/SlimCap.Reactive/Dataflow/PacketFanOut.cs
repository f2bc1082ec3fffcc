using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Ring;

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
/// <see cref="FanOutOptions.BoundedCapacity"/> blocks; when it is full the producer waits (Wait; give the targets a
/// <c>BoundedCapacity</c> as well), or, under Drop, a target with that many views waiting (in any queue) gets its next
/// views dropped (disposed and counted in <see cref="GetCounters"/>), and its waiting views move off a kernel ring onto
/// copies before the kernel needs their blocks.</para>
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
    private long _blockNumber; // blocks posted so far: the age of a view waiting for its target, in blocks

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
        FitToSource(source);
        var sink = new FanOutCaptureSink(this, cancellationToken);
        CaptureLoop loop = CaptureLoop.ForSource(source, sink) ?? throw CaptureReaderGate.BusyError(source);
        Volatile.Write(ref _meteredSource, source);
        return sink.RunAsync(loop, threadFactory);
    }

    /// <summary>
    /// Under <see cref="BackPressurePolicy.Drop"/>, how many views may wait for each target at once (handed to it and
    /// not opened yet, or moved onto a copy and not disposed yet): <see cref="FanOutOptions.BoundedCapacity"/>, or less
    /// when <see cref="RunAsync"/> reads a source whose pool of blocks it would not fit (see
    /// <see cref="FanOutOptions.BoundedCapacity"/>).
    /// </summary>
    public int TargetHoldLimit => _targets[0].HoldLimit;

    /// <summary>
    /// Checks the targets' bounds against the blocks <paramref name="source"/> has, and says so (a trace warning) when
    /// they do not fit. Under Drop, a source whose blocks come back in any order (a socket's batches, a file's pool)
    /// gets each target's share lowered to what leaves the others blocks to work with; a ring needs no lower share
    /// (views that wait move off it), but each target still reads one ring block at a time. Under Wait a slow target
    /// stalls the capture anyway (that is the policy), and the warning says when its buffers alone can hold every block.
    /// </summary>
    private void FitToSource(CaptureSource source)
    {
        int blocks = source.BlockCapacity;
        if (blocks <= 0) return;
        int targets = _targets.Length, capacity = Options.BoundedCapacity;
        string name = source.Name;
        if (Options.BackPressure == BackPressurePolicy.Wait)
        {
            if ((long)targets * capacity >= blocks)
                Trace.TraceWarning($"SlimCap.Reactive: {targets} fan-out targets x BoundedCapacity {capacity} can hold all {blocks} blocks of '{name}': under BackPressurePolicy.Wait one slow target stops the capture and the kernel drops for every target. Use fewer or smaller buffers, more blocks, or BackPressurePolicy.Drop.");
            return;
        }
        if (source.ReusesBlocksInOrder)
        {
            if (targets + 2 > blocks)
                Trace.TraceWarning($"SlimCap.Reactive: {targets} fan-out targets each reading a block of '{name}', which has {blocks}, leave the kernel none to fill: give the ring more blocks (RingOptions.BlockCount).");
            return;
        }
        // The targets that keep up hold views of the newest blocks, the same ones (their views share a block); a
        // stalled one holds older ones: what a stalled target holds and what the others hold must leave one to fill.
        int share = Math.Max(1, (blocks - 1) / Math.Min(targets, 2));
        if (share >= capacity) return;
        foreach (FanOutTarget t in _targets) t.HoldLimit = share;
        Trace.TraceWarning($"SlimCap.Reactive: {targets} fan-out targets x BoundedCapacity {capacity} could hold all {blocks} blocks of '{name}'; under BackPressurePolicy.Drop each target now has at most {share} waiting (more blocks in the source, or fewer targets, let each have more).");
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
        foreach (FanOutTarget t in _targets)
        {
            t.Abort();
            t.CloseCopies();
        }
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
            _blockNumber++;
            Distribute(block, cancellationToken);
            if (Options.BackPressure == BackPressurePolicy.Drop && block.Storage is RingBlock ring) MoveLagging(ring.Reader.BlockCount);
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

    /// <summary>
    /// A kernel ring is filled strictly in order, so the block the kernel needs next after the one it fills is the one
    /// read <paramref name="ringBlocks"/> - 2 blocks ago: views of it and of older blocks that still wait for their
    /// targets move onto copies now, a block's time before the kernel comes round to them.
    /// </summary>
    private void MoveLagging(int ringBlocks)
    {
        int keep = Math.Max(1, ringBlocks - 2);
        foreach (FanOutTarget t in _targets) t.MoveLagging(_blockNumber, keep);
    }

    /// <summary>Makes views of <paramref name="block"/> (which stays the caller's) and hands each to <see cref="Deliver"/>.</summary>
    private protected abstract void Distribute(PacketBlock block, CancellationToken cancellationToken);

    /// <summary>Hands <paramref name="view"/>, which the caller owns until then, to target <paramref name="target"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected void Deliver(int target, PacketBlock view, CancellationToken cancellationToken) =>
        _targets[target].Deliver(view, Options.BackPressure, _blockNumber, cancellationToken);

    private async Task CompleteAfterTargetsAsync()
    {
        await Task.WhenAll(Array.ConvertAll(_targets, t => t.Target.Completion)).ConfigureAwait(false);
        foreach (FanOutTarget t in _targets) t.CloseCopies(); // the targets take no more views; copies they hold stay readable
        Exception? error = Volatile.Read(ref _error);
        if (error is not null) throw error;
    }
}
