using SlimCap.Reactive.Events;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Interop;
using SlimCap.Reactive.Links;
using SlimCap.Reactive.Socket;
using static SlimCap.Reactive.Interop.LinuxConstants;

namespace SlimCap.Reactive;

/// <summary>
/// Captures from a network interface with one <c>recvmsg</c> per packet on a plain AF_PACKET socket
/// (slimcap's <c>afpacket</c> source): no ring, so it suits low rates and kernels without
/// TPACKET_V3. Packets that are already queued are gathered into one <see cref="PacketBlock"/>, so
/// the block surfaces work the same as on a ring. Timestamps come from SO_TIMESTAMPNS, the wire
/// length and VLAN tag from PACKET_AUXDATA.
/// </summary>
/// <remarks>Thread safety: as <see cref="CaptureSource"/>. Needs CAP_NET_RAW (or root).</remarks>
public sealed class SocketSource : CaptureSource
{
    private readonly LinkInfo _link;
    private readonly FileDescriptorHandle _socket;
    private readonly WakeSignal _wake;
    private readonly KernelStatistics _stats;
    private readonly LinkMonitor _linkMonitor;
    private readonly RecordBlockPool _pool;
    private readonly Func<bool> _isStopped;
    private readonly int _ipLayerOffset;
    private long _sequence;

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
        SnapLength = Math.Min(options.CaptureLength.Resolve(link.IpLayerOffset), options.BatchBufferSize - RecordBlock.HeaderSize - 8);

        _link = link;
        Options = options;
        FileDescriptorHandle? socket = null;
        WakeSignal? wake = null;
        try
        {
            socket = PacketSocketSetup.Open(link);
            if (options.Promiscuous) PacketSocketSetup.SetPromiscuous(socket, link);
            if (options.IgnoreOutgoing) PacketSocketSetup.SetIgnoreOutgoing(socket, link);
            PacketSocketSetup.EnableAuxData(socket, link);
            if (options.ReceiveBufferSize > 0) PacketSocketSetup.SetReceiveBuffer(socket, options.ReceiveBufferSize, link);
            if (filter is not null) PacketSocketSetup.AttachFilter(socket, filter, link.Name);
            wake = new WakeSignal();
            PacketSocketSetup.Bind(socket, link);
        }
        catch
        {
            wake?.Dispose();
            socket?.Dispose();
            throw;
        }
        _socket = socket;
        _wake = wake;
        _stats = new KernelStatistics(socket, link.Name);
        _linkMonitor = new LinkMonitor(socket, link, options.LinkDown, TimeSpan.FromMilliseconds(2 * LinkMonitor.PollMilliseconds));
        _pool = new RecordBlockPool(options.BatchBufferCount, options.BatchBufferSize);
        _isStopped = () => _wake.IsStopped;
        _ipLayerOffset = link.IpLayerOffset;
        Filter = filter;
    }

    /// <summary>The interface being captured, as it was when the socket was opened.</summary>
    public LinkInfo Link => _link;

    /// <summary>The options the socket was opened with.</summary>
    public SocketOptions Options { get; }

    /// <summary>The snap length in effect (at most a batch buffer's payload).</summary>
    public int SnapLength { get; }

    /// <summary>The BPF program attached, or null when every frame is captured whole.</summary>
    public BpfProgram? Filter { get; }

    /// <summary>Batch buffers currently leased to consumers.</summary>
    public int LeasedBlocks => _pool.BlockCount - _pool.FreeCount;

    /// <inheritdoc/>
    public override string Name => _link.Name;

    /// <inheritdoc/>
    public override LinkType LinkType => _link.LinkType;

    /// <inheritdoc/>
    public override CaptureStats Stats
    {
        get
        {
            var (received, dropped, freezes) = _stats.Read();
            return new CaptureStats(received, dropped, freezes, _pool.Starvations, NetworkLinks.ReadReceiveDropped(_link.Name, _link.Index));
        }
    }

    /// <inheritdoc/>
    public override void Unblock() => _wake.SignalUnblock();

    private protected override unsafe CaptureStatus ReadBlockCore(out PacketBlock? block)
    {
        block = null;
        if (_wake.IsStopped) return CaptureStatus.Stopped;
        RecordBlock? batch = _pool.Rent(_isStopped);
        if (batch is null) return CaptureStatus.Stopped;
        bool added = false;
        try
        {
            _socket.DangerousAddRef(ref added);
            while (true)
            {
                int errno = Errno.EAGAIN;
                if (batch.FreeDataBytes < SnapLength || !TryReceive(batch, out errno))
                {
                    if (batch.Count > 0)
                    {
                        batch.Publish(++_sequence);
                        block = batch;
                        batch = null;
                        return CaptureStatus.Packet;
                    }
                    if (errno != Errno.EAGAIN)
                    {
                        _linkMonitor.OnSocketError(errno, "recvmsg(AF_PACKET)");
                        continue; // the queue may still hold packets captured before the link went down
                    }
                    if (_linkMonitor.IsDown) _linkMonitor.Check();
                    WaitResult wait = _wake.Wait(_socket, _linkMonitor.IsDown ? LinkMonitor.PollMilliseconds : -1, out int waitErrno);
                    if (wait == WaitResult.Unblocked) return CaptureStatus.Unblocked;
                    if (wait == WaitResult.Stopped) return CaptureStatus.Stopped;
                    if (wait == WaitResult.SocketError)
                    {
                        int error = waitErrno != 0 ? waitErrno : PacketSocketSetup.TakeSocketError(_socket);
                        if (error != 0) _linkMonitor.OnSocketError(error, "ppoll(AF_PACKET)");
                    }
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return CaptureStatus.Stopped;
        }
        finally
        {
            if (added) _socket.DangerousRelease();
            if (batch is not null) _pool.Return(batch);
        }
    }

    /// <summary>Receives one queued packet into the batch without blocking; false with EAGAIN when none is queued.</summary>
    private unsafe bool TryReceive(RecordBlock batch, out int errno)
    {
        Span<byte> destination = batch.GetAppendSpan()[..SnapLength];
        SockaddrLl from = default;
        byte* control = stackalloc byte[128];
        fixed (byte* data = destination)
        {
            var iov = new IoVec { Base = data, Length = (nuint)destination.Length };
            var message = new MsgHdr
            {
                Name = &from,
                NameLength = (uint)sizeof(SockaddrLl),
                Iov = &iov,
                IovLength = 1,
                Control = control,
                ControlLength = 128,
            };
            long n = Syscalls.ReceiveMessage(_socket.Fd, &message, MSG_DONTWAIT | MSG_TRUNC);
            if (n < 0)
            {
                errno = (int)-n;
                return false;
            }
            errno = 0;
            int captured = (int)Math.Min(n, destination.Length);
            long total = n;
            long timestamp = 0;
            ushort tci = 0, tpid = 0;
            bool hasVlan = false;
            ParseControl(control, (int)message.ControlLength, ref total, ref timestamp, ref tci, ref tpid, ref hasVlan);
            if (timestamp == 0) timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L;
            batch.Commit(captured, total, timestamp, (PacketType)from.PktType, _ipLayerOffset, _link.LinkType, from.IfIndex, tci, tpid, hasVlan);
            return true;
        }
    }

    private static unsafe void ParseControl(byte* control, int length, ref long total, ref long timestamp,
        ref ushort tci, ref ushort tpid, ref bool hasVlan)
    {
        const int headerSize = 16; // cmsghdr: size_t len, int level, int type
        int offset = 0;
        while (offset + headerSize <= length)
        {
            long cmsgLength = *(long*)(control + offset);
            int level = *(int*)(control + offset + 8);
            int type = *(int*)(control + offset + 12);
            if (cmsgLength < headerSize || offset + cmsgLength > length) break;
            byte* data = control + offset + headerSize;
            if (level == SOL_SOCKET && type == SCM_TIMESTAMPNS && cmsgLength >= headerSize + 16)
            {
                var ts = *(TimeSpec*)data;
                timestamp = ts.Seconds * 1_000_000_000L + ts.Nanoseconds;
            }
            else if (level == SOL_PACKET && type == PACKET_AUXDATA && cmsgLength >= headerSize + sizeof(TPacketAuxdata))
            {
                var aux = *(TPacketAuxdata*)data;
                total = aux.Len;
                tci = aux.VlanTci;
                hasVlan = (aux.Status & Ring.TPacketV3.StatusVlanValid) != 0 || aux.VlanTci != 0;
                tpid = (aux.Status & Ring.TPacketV3.StatusVlanTpidValid) != 0 ? aux.VlanTpid : (ushort)0;
            }
            offset += (int)((cmsgLength + 7) & ~7L);
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        _wake.SignalStop();
        _stats.Read();
        _socket.Dispose();
        _wake.Dispose();
    }
}
