using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using SlimCap.Reactive.Events;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Interop;
using SlimCap.Reactive.Links;
using SlimCap.Reactive.Socket;
using static SlimCap.Reactive.Interop.LinuxConstants;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Capture;

/// <summary>
/// Captures from a network interface on a plain AF_PACKET socket (slimcap's <c>afpacket</c>
/// source): no ring, so it suits kernels without TPACKET_V3 and captures that should not pin ring
/// memory. Queued packets are taken many per syscall with <c>recvmmsg</c> (up to
/// <see cref="SocketOptions.MessagesPerCall"/>) straight into a pooled batch buffer, and everything
/// that is queued is gathered into one <see cref="PacketBlock"/>, so the block surfaces work the
/// same as on a ring. The reader waits (ppoll) only when the queue is empty. Timestamps come from
/// SO_TIMESTAMPNS, the wire length and VLAN tag from PACKET_AUXDATA, the packet type from each
/// packet's own sockaddr_ll.
/// </summary>
/// <remarks>Thread safety: as <see cref="CaptureSource"/>. Needs CAP_NET_RAW (or root).</remarks>
[SupportedOSPlatform("linux")]
public sealed class SocketSource : LiveCaptureSource
{
    private readonly SocketBatchPool _pool;
    private readonly Func<bool> _isStopped;
    private readonly int _ipLayerOffset;
    private readonly PacketBatchReceiver _receiver;
    private readonly int _slotStride;
    private long _sequence;
    private int _pendingErrno;

    /// <summary>Opens a socket on interface <paramref name="interfaceName"/>.</summary>
    /// <exception cref="InvalidCaptureOptionException">An option is invalid (checked before any socket is opened).</exception>
    /// <exception cref="InterfaceNotFoundException">No such interface.</exception>
    /// <exception cref="LinkDownException">The interface is down.</exception>
    /// <exception cref="CapturePermissionException">CAP_NET_RAW is missing.</exception>
    public SocketSource(string interfaceName, SocketOptions? options = null)
        : this(NetworkLinks.Get(interfaceName), options)
    {
    }

    /// <summary>Opens a socket on <paramref name="link"/> (re-read, so its state is current).</summary>
    public SocketSource(LinkInfo link, SocketOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(link);
        options ??= new SocketOptions();
        options.Validate();
        link = NetworkLinks.Get(link.Name);
        if (!link.IsUp) throw new LinkDownException(link.Name);
        BpfProgram? filter = options.BuildFilter(link);
        int snap = Math.Min(options.CaptureLength.Resolve(link.IpLayerOffset), options.BatchBufferSize - SocketBatch.HeaderSize - 8);
        Options = options;
        // Memory first: a failure to allocate it leaves no descriptor behind.
        _pool = new SocketBatchPool(options.BatchBufferCount, options.BatchBufferSize);
        _receiver = new PacketBatchReceiver(options.MessagesPerCall);
        _isStopped = () => Wake.IsStopped;
        _ipLayerOffset = link.IpLayerOffset;
        _slotStride = (SocketBatch.HeaderSize + snap + 7) & ~7;
        FileDescriptorHandle? socket = null;
        WakeSignal? wake = null;
        try
        {
            socket = PacketSocketSetup.Open(link);
            if (options.Promiscuous) PacketSocketSetup.SetPromiscuous(socket, link);
            PacketSocketSetup.ApplyOutgoing(socket, link, options.IgnoresOutgoingOn(link), options.IsLoopbackDefault(link));
            PacketSocketSetup.EnableAuxData(socket, link);
            if (options.ReceiveBufferSize > 0) PacketSocketSetup.SetReceiveBuffer(socket, options.ReceiveBufferSize, link);
            if (filter is not null) PacketSocketSetup.AttachFilter(socket, filter, link.Name);
            wake = new WakeSignal();
            PacketSocketSetup.Bind(socket, link);
            Attach(link, options, socket, wake, filter, snap, options.LinkDown, TimeSpan.FromMilliseconds(2 * LinkMonitor.PollMilliseconds));
            SetupFault.Check("attached", link.Name);
        }
        catch
        {
            // Every descriptor opened so far is closed now, not at some later GC.
            wake?.Dispose();
            socket?.Dispose();
            throw;
        }
    }

    /// <summary>The options the socket was opened with.</summary>
    public SocketOptions Options { get; }

    /// <inheritdoc/>
    internal override string SourceKind => "socket";

    /// <inheritdoc/>
    public override int LeasedBlocks => _pool.LeasedCount;

    internal override int BlockCapacity => _pool.BlockCount;

    /// <summary>A reader waiting for a free batch buffer looks at the stop again.</summary>
    private protected override void OnWakeSignalled() => _pool.WakeWaiters();

    private protected override long Starvations => _pool.Starvations;

    /// <summary>Until a batch empties the socket's queue (<see cref="LiveCaptureSource.LastBlockDrainedQueue"/>), whatever its length.</summary>
    private protected override int RefilterBlocks => int.MaxValue;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected override CaptureStatus ReadKernelBlock(PacketBlock? spare, out PacketBlock? block)
    {
        block = null;
        if (Wake.IsStopped) return CaptureStatus.Stopped;
        SocketBatch? batch = _pool.Rent(_isStopped);
        if (batch is null) return CaptureStatus.Stopped;
        bool added = false;
        try
        {
            Socket.DangerousAddRef(ref added);
            bool drained = false;
            while (true)
            {
                int errno = Errno.EAGAIN;
                if (_pendingErrno != 0)
                {
                    // Reported after the packets queued before it, which went out in the previous block.
                    errno = _pendingErrno;
                    _pendingErrno = 0;
                }
                else
                {
                    int slots = FreeSlots(batch);
                    if (slots > 0)
                    {
                        int received = ReceiveInto(batch, slots);
                        // Every slot filled: more may be queued, and the batch may have room for it.
                        if (received == slots) continue;
                        drained = true;
                        // Fewer than asked: the queue ran dry (an error met after some packets is kept
                        // by the kernel for the next call), so the batch goes out without an extra call.
                        if (received < 0) errno = -received;
                    }
                }
                if (batch.Count > 0)
                {
                    if (errno != Errno.EAGAIN) _pendingErrno = errno;
                    LastBlockDrainedQueue = drained;
                    block = batch.Publish(++_sequence, spare);
                    batch = null;
                    return block is null ? CaptureStatus.Stopped : CaptureStatus.Packet; // null: the source is closing
                }
                if (errno != Errno.EAGAIN)
                {
                    LinkMonitor.OnSocketError(errno, "recvmmsg(AF_PACKET)");
                    continue; // the queue may still hold packets captured before the link went down
                }
                if (LinkMonitor.IsDown) LinkMonitor.Check();
                WaitResult wait = Wake.Wait(Socket, LinkMonitor.IsDown ? LinkMonitor.PollMilliseconds : -1, out int waitErrno);
                if (wait == WaitResult.Unblocked) return CaptureStatus.Unblocked;
                if (wait == WaitResult.Stopped) return CaptureStatus.Stopped;
                if (wait == WaitResult.SocketError)
                {
                    int error = waitErrno != 0 ? waitErrno : PacketSocketSetup.TakeSocketError(Socket);
                    if (error != 0) LinkMonitor.OnSocketError(error, "ppoll(AF_PACKET)");
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return CaptureStatus.Stopped;
        }
        finally
        {
            if (added) Socket.DangerousRelease();
            batch?.Discard();
        }
    }

    /// <summary>How many more snap-length slots the batch has room for, capped by the messages per call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int FreeSlots(SocketBatch batch)
    {
        int free = batch.FreeDataBytes;
        if (free < SnapLength) return 0;
        // A slot is a record header plus the snap length, 8-byte aligned, as SocketBatch lays records out.
        return Math.Min(_receiver.Capacity, 1 + (free - SnapLength) / _slotStride);
    }

    /// <summary>
    /// Receives up to <paramref name="slots"/> queued packets into the batch with one recvmmsg, without
    /// blocking. Returns how many arrived, or -errno (EAGAIN when none was queued).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ReceiveInto(SocketBatch batch, int slots)
    {
        int first = batch.AppendDataOffset;
        int received = _receiver.Receive(Socket.Fd, batch.GetAppendSpan(), _slotStride, SnapLength, slots);
        for (int i = 0; i < received; i++)
        {
            ReceivedPacket p = _receiver.Packet(i);
            long timestamp = p.TimestampNs != 0 ? p.TimestampNs : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L;
            batch.CommitAt(first + i * _slotStride, p.CapturedLength, p.WireLength, timestamp, (PacketType)p.PacketType, _ipLayerOffset, Link.LinkType,
                p.InterfaceIndex, p.VlanTci, p.VlanTpid, p.HasVlan);
        }
        return received;
    }

    /// <summary>Every batch lease ends with the source: reads of them throw, their disposes do nothing.</summary>
    private protected override void FreeResources() => _pool.RevokeAll();
}
