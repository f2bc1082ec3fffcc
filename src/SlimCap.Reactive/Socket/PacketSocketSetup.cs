using System.Runtime.Versioning;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Interop;
using SlimCap.Reactive.Links;
using static SlimCap.Reactive.Interop.LinuxConstants;

namespace SlimCap.Reactive.Socket;

/// <summary>
/// Opens and configures an AF_PACKET socket step by step. The socket is created with protocol 0, so
/// it receives nothing until <see cref="Bind"/>; everything (version, membership, filter, ring) is
/// set before that, as libpcap does, so no frame slips in unfiltered.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class PacketSocketSetup
{
    public static FileDescriptorHandle Open(LinkInfo link) => Syscalls.OpenPacketSocket(0, link.Name);

    public static void SetTPacketV3(FileDescriptorHandle fd, LinkInfo link) =>
        Syscalls.SetSocketOption(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V3, "setsockopt(PACKET_VERSION, TPACKET_V3)", link.Name);

    public static void SetPromiscuous(FileDescriptorHandle fd, LinkInfo link)
    {
        var request = new PacketMreq { IfIndex = link.Index, Type = PACKET_MR_PROMISC };
        Syscalls.SetSocketOption(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, request, "setsockopt(PACKET_ADD_MEMBERSHIP, PACKET_MR_PROMISC)", link.Name);
    }

    public static void SetIgnoreOutgoing(FileDescriptorHandle fd, LinkInfo link) =>
        Syscalls.SetSocketOption(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "setsockopt(PACKET_IGNORE_OUTGOING)", link.Name);

    /// <summary>
    /// PACKET_IGNORE_OUTGOING when the caller asked for it, or by default on loopback (each packet once, as libpcap);
    /// the default gives way on a kernel older than 4.20, which does not know the option (ENOPROTOOPT).
    /// </summary>
    public static void ApplyOutgoing(FileDescriptorHandle fd, LinkInfo link, bool ignoreOutgoing, bool loopbackDefault)
    {
        if (!ignoreOutgoing) return;
        if (!loopbackDefault)
        {
            SetIgnoreOutgoing(fd, link);
            return;
        }
        int errno = Syscalls.TrySetSocketOption(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
        if (errno != 0 && errno != Errno.ENOPROTOOPT) NativeCallException.Throw("setsockopt(PACKET_IGNORE_OUTGOING)", errno, link.Name);
    }

    public static void EnableAuxData(FileDescriptorHandle fd, LinkInfo link)
    {
        Syscalls.SetSocketOption(fd, SOL_PACKET, PACKET_AUXDATA, 1, "setsockopt(PACKET_AUXDATA)", link.Name);
        Syscalls.SetSocketOption(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1, "setsockopt(SO_TIMESTAMPNS)", link.Name);
    }

    /// <summary>Sets the receive buffer: SO_RCVBUFFORCE (beyond net.core.rmem_max, needs CAP_NET_ADMIN), else SO_RCVBUF.</summary>
    public static void SetReceiveBuffer(FileDescriptorHandle fd, int bytes, LinkInfo link)
    {
        const int SO_RCVBUF = 8, SO_RCVBUFFORCE = 33;
        if (Syscalls.TrySetSocketOption(fd, SOL_SOCKET, SO_RCVBUFFORCE, bytes) == 0) return;
        Syscalls.SetSocketOption(fd, SOL_SOCKET, SO_RCVBUF, bytes, $"setsockopt(SO_RCVBUF, {bytes})", link.Name);
    }

    /// <summary>Attaches a classic BPF program (SO_ATTACH_FILTER).</summary>
    public static void AttachFilter(FileDescriptorHandle fd, BpfProgram program, string? interfaceName)
    {
        int errno = TryAttachFilter(fd, program);
        if (errno != 0) NativeCallException.Throw($"setsockopt(SO_ATTACH_FILTER, {program.Length} instructions)", errno, interfaceName);
    }

    public static int TryAttachFilter(FileDescriptorHandle fd, BpfProgram program) => TrySetProgram(fd, SOL_SOCKET, SO_ATTACH_FILTER, program);

    /// <summary>setsockopt of a classic BPF program as struct sock_fprog (a socket filter, or a fan-out group's selector); 0 or the errno.</summary>
    public static int TrySetProgram(FileDescriptorHandle fd, int level, int name, BpfProgram program)
    {
        int n = program.Length;
        Span<SockFilter> code = stackalloc SockFilter[n]; // at most BPF_MAXINSNS (4,096) x 8 bytes, checked when built
        for (int i = 0; i < n; i++)
        {
            BpfInstruction ins = program.Instructions[i];
            code[i] = new SockFilter { Code = ins.Code, Jt = ins.JumpTrue, Jf = ins.JumpFalse, K = ins.K };
        }
        return Syscalls.TrySetSocketFilter(fd, level, name, code);
    }

    /// <summary>Attaches a drop-everything filter, so a closing socket stops filling a ring consumers still read.</summary>
    public static void DropEverything(FileDescriptorHandle fd)
    {
        try
        {
            TryAttachFilter(fd, BpfProgram.AcceptAll(0));
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public static void SetRxRing(FileDescriptorHandle fd, in TPacketReq3 request, LinkInfo link)
    {
        SetupFault.Check("rx-ring", link.Name);
        Syscalls.SetSocketOption(fd, SOL_PACKET, PACKET_RX_RING, request,
            $"setsockopt(PACKET_RX_RING, {request.BlockCount} x {request.BlockSize} bytes)", link.Name);
    }

    public static void Bind(FileDescriptorHandle fd, LinkInfo link)
    {
        SetupFault.Check("bind", link.Name);
        Syscalls.BindPacket(fd, link.Index, ETH_P_ALL, link.Name);
    }

    /// <summary>Reads and clears SO_ERROR; 0 when none is pending.</summary>
    public static int TakeSocketError(FileDescriptorHandle fd) =>
        Syscalls.TryGetSocketOption(fd, SOL_SOCKET, SO_ERROR, out int error) == 0 ? error : 0;
}
