using System.Runtime.Versioning;
using SlimCap.Reactive.Events;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Interop;
using SlimCap.Reactive.Links;
using SlimCap.Reactive.Socket;

namespace SlimCap.Reactive;

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
    private protected FileDescriptorHandle Socket = null!;
    private protected WakeSignal Wake = null!;
    private protected KernelStatistics Statistics = null!;
    private protected LinkMonitor LinkMonitor = null!;

    private protected LiveCaptureSource() { }

    /// <summary>Called by a derived constructor once its socket is configured and bound.</summary>
    private protected void Attach(LinkInfo link, FileDescriptorHandle socket, WakeSignal wake, BpfProgram? filter, int snapLength,
        LinkDownPolicy policy, TimeSpan linkDownGrace)
    {
        _link = link;
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
    public override void Unblock() => Wake.SignalUnblock();

    /// <summary>Wakes the reader with Stopped ahead of <see cref="CaptureSource.Dispose()"/>, which a fan-out group runs on another thread.</summary>
    internal void SignalStop() => Wake.SignalStop();

    /// <summary>Stops the reader and closes the socket; a derived source releases its own memory in <see cref="Release"/>.</summary>
    protected sealed override void Dispose(bool disposing)
    {
        Wake.SignalStop();
        Statistics.Read(); // the last counters, before the socket goes
        Release();
        Socket.Dispose();
        Wake.Dispose();
    }

    /// <summary>Releases what the derived source holds besides the socket. Called once, from Dispose.</summary>
    private protected virtual void Release() { }
}
