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
public sealed class SocketSource : LiveCaptureSource
{
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
        int snap = Math.Min(options.CaptureLength.Resolve(link.IpLayerOffset), options.BatchBufferSize - RecordBlock.HeaderSize - 8);
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
        Attach(link, socket, wake, filter, snap, options.LinkDown, TimeSpan.FromMilliseconds(2 * LinkMonitor.PollMilliseconds));
        _pool = new RecordBlockPool(options.BatchBufferCount, options.BatchBufferSize);
        _isStopped = () => Wake.IsStopped;
        _ipLayerOffset = link.IpLayerOffset;
    }

    /// <summary>The options the socket was opened with.</summary>
    public SocketOptions Options { get; }

    /// <inheritdoc/>
    public override int LeasedBlocks => _pool.BlockCount - _pool.FreeCount;

    private protected override long Starvations => _pool.Starvations;

    private protected override unsafe CaptureStatus ReadBlockCore(out PacketBlock? block)
    {
        block = null;
        if (Wake.IsStopped) return CaptureStatus.Stopped;
        RecordBlock? batch = _pool.Rent(_isStopped);
        if (batch is null) return CaptureStatus.Stopped;
        bool added = false;
        try
        {
            Socket.DangerousAddRef(ref added);
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
                        LinkMonitor.OnSocketError(errno, "recvmsg(AF_PACKET)");
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
        }
        catch (ObjectDisposedException)
        {
            return CaptureStatus.Stopped;
        }
        finally
        {
            if (added) Socket.DangerousRelease();
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
            long n = Syscalls.ReceiveMessage(Socket.Fd, &message, MSG_DONTWAIT | MSG_TRUNC);
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
            batch.Commit(captured, total, timestamp, (PacketType)from.PktType, _ipLayerOffset, Link.LinkType, from.IfIndex, tci, tpid, hasVlan);
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
}
