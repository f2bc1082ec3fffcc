using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Events;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Interop;
using SlimCap.Reactive.Links;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Socket;

namespace SlimCap.Reactive.Capture;

/// <summary>
/// What the two kernel sources (<see cref="RingSource"/>, <see cref="SocketSource"/>) share: the
/// interface, the AF_PACKET socket with its wake-up eventfd, 64-bit kernel statistics, and
/// link-down handling.
/// </summary>
/// <remarks>Thread safety: as <see cref="CaptureSource"/>. Needs CAP_NET_RAW (or root).</remarks>
[SupportedOSPlatform("linux")]
public abstract class LiveCaptureSource : CaptureSource
{
    private LinkInfo _link = null!;
    private CaptureOptions _options = null!;
    private Refilter? _refilter;
    private readonly object _filterGate = new();
    private protected FileDescriptorHandle Socket = null!;
    private protected WakeSignal Wake = null!;
    private protected KernelStatistics Statistics = null!;
    private protected LinkMonitor LinkMonitor = null!;

    private protected LiveCaptureSource() { }

    /// <summary>Called by a derived constructor once its socket is configured and bound.</summary>
    private protected void Attach(LinkInfo link, CaptureOptions options, FileDescriptorHandle socket, WakeSignal wake, BpfProgram? filter, int snapLength,
        LinkDownPolicy policy, TimeSpan linkDownGrace)
    {
        // The first live source of a process compiles the library's hot paths (once, about 100 ms), so that its first
        // packets do not wait for the JIT while the ring fills. Here, once the source is open: options are refused
        // before anything is allocated for them. Files have no ring to overflow and skip it.
        HotPathPreparation.EnsurePrepared();
        _link = link;
        _options = options;
        Socket = socket;
        Wake = wake;
        Statistics = new KernelStatistics(socket, link.Name);
        LinkMonitor = new LinkMonitor(socket, link, policy, linkDownGrace);
        Filter = filter;
        SnapLength = snapLength;
        ReportMetrics();
    }

    /// <summary>The interface being captured, as it was when the source was opened.</summary>
    public LinkInfo Link => _link;

    /// <summary>The snap length in effect.</summary>
    public int SnapLength { get; private set; }

    /// <summary>The BPF program attached, or null when every frame is captured whole.</summary>
    public BpfProgram? Filter { get; private set; }

    /// <summary>
    /// Replaces the attached program with <paramref name="program"/>, as is (the automatic filter and IgnoreVlans are
    /// replaced too), or with the options' own filter without the user's when null. Packets already queued in the
    /// kernel under the old program are filtered again in user space with the kernel's semantics
    /// (<see cref="BpfProgram.RunLinux"/>) as they are read, as libpcap does, so no read after this call returns a
    /// packet the new program refuses (packets of a block already read are not taken back). The user-space run sees
    /// only the captured bytes: a program that reads past the capture length drops such packets there.
    /// </summary>
    /// <exception cref="InvalidBpfProgramException">The kernel's checker refuses the program; nothing was changed.</exception>
    /// <exception cref="NativeCallException">SO_ATTACH_FILTER failed.</exception>
    /// <exception cref="ObjectDisposedException">The source is disposed.</exception>
    public void SetFilter(BpfProgram? program)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        program ??= _options.BuildFilter(_link, null) ?? BpfProgram.AcceptAll(CaptureLength.Maximum);
        program.EnsureLinuxCompatible();
        lock (_filterGate)
        {
            PacketSocketSetup.AttachFilter(Socket, program, _link.Name);
            Filter = program;
            // Published after the attach: every block read from now on may hold packets of the old program.
            Volatile.Write(ref _refilter, new Refilter(program, RefilterBlocks));
        }
    }

    /// <summary>
    /// Replaces the user's filter expression with <paramref name="expression"/> (null: none), compiled and combined
    /// with the automatic filter and IgnoreVlans as <see cref="CaptureOptions.Filter"/> is, then attached as
    /// <see cref="SetFilter(BpfProgram?)"/> attaches a program (queued packets filtered again in user space).
    /// </summary>
    /// <exception cref="FilterLanguage.FilterExpressionException">The expression is invalid; nothing was changed.</exception>
    /// <exception cref="InvalidBpfProgramException">The kernel cannot run the compiled program (protochain's backward jumps).</exception>
    /// <exception cref="NativeCallException">SO_ATTACH_FILTER failed.</exception>
    /// <exception cref="ObjectDisposedException">The source is disposed.</exception>
    public void SetFilter(string? expression)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        SetFilter(_options.BuildFilter(_link, expression) ?? BpfProgram.AcceptAll(CaptureLength.Maximum));
    }

    /// <summary>How many blocks read after a filter change may still hold packets the old program passed.</summary>
    private protected abstract int RefilterBlocks { get; }

    /// <summary>Set by a source whose last block emptied the kernel's queue: later blocks hold only packets of the current program.</summary>
    private protected bool LastBlockDrainedQueue { get; set; }

    /// <summary>Reads the next block from the kernel (ring or socket); <see cref="ReadBlockCore"/> adds the user-space refilter.</summary>
    private protected abstract CaptureStatus ReadKernelBlock(PacketBlock? spare, out PacketBlock? block);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected sealed override CaptureStatus ReadBlockCore(PacketBlock? spare, out PacketBlock? block)
    {
        while (true)
        {
            CaptureStatus status = ReadKernelBlock(spare, out block);
            Refilter? refilter = Volatile.Read(ref _refilter);
            if (status != CaptureStatus.Packet || refilter is null) return status;
            if (refilter.IsLastBlock(LastBlockDrainedQueue)) Interlocked.CompareExchange(ref _refilter, null, refilter);
            var selector = new BpfSelector(refilter.Program, BpfDialect.Linux, (ushort)_link.HardwareType);
            if (block!.Restrict(ref selector) > 0) return status;
            block.Dispose();
            block = null;
        }
    }

    /// <summary>A program change whose first blocks are still filtered in user space.</summary>
    private sealed class Refilter(BpfProgram program, int blocks)
    {
        private int _remaining = blocks;

        public BpfProgram Program { get; } = program;

        /// <summary>Counts a block read; true when it is the last that needs filtering.</summary>
        public bool IsLastBlock(bool drained) => drained || Interlocked.Decrement(ref _remaining) <= 0;
    }

    /// <summary>Blocks currently leased to consumers (ring blocks, or socket batch buffers).</summary>
    public abstract int LeasedBlocks { get; }

    /// <inheritdoc/>
    public override string Name => _link.Name;

    /// <inheritdoc/>
    public override LinkType LinkType => _link.LinkType;

    /// <inheritdoc/>
    public override CaptureStats Stats
    {
        get
        {
            var (received, dropped, freezes) = Statistics.Read();
            return new CaptureStats(received, dropped, freezes, Starvations, NetworkLinks.ReadReceiveDropped(_link.Name, _link.Index));
        }
    }

    internal sealed override bool IsLive => true;

    internal sealed override int OutstandingLeases => LeasedBlocks;

    /// <summary>Times the reader found every block leased.</summary>
    private protected abstract long Starvations { get; }

    /// <inheritdoc/>
    public override void Unblock()
    {
        Wake.SignalUnblock();
        OnWakeSignalled();
    }

    /// <summary>Wakes the reader with Stopped ahead of <see cref="CaptureSource.Dispose()"/>, which a fan-out group runs on another thread.</summary>
    internal void SignalStop()
    {
        Wake.SignalStop();
        OnWakeSignalled();
    }

    /// <summary>An unblock or stop was signalled: a derived source wakes a reader that waits elsewhere than in the eventfd's poll.</summary>
    private protected virtual void OnWakeSignalled() { }

    /// <summary>Stops the reader and closes the socket; a derived source frees its own memory in <see cref="FreeResources"/>.</summary>
    protected sealed override void Dispose(bool disposing)
    {
        Wake.SignalStop();
        Statistics.Read(); // the last counters, before the socket goes
        FreeResources();
        Socket.Dispose();
        Wake.Dispose();
    }

    /// <summary>
    /// Frees what the derived source holds besides the socket (ring memory, batch buffers), ending every lease on
    /// them. Called once, from Dispose.
    /// </summary>
    private protected virtual void FreeResources() { }
}
