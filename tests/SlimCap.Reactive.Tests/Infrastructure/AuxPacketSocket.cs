using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Interop;
using SlimCap.Reactive.Socket;
using static SlimCap.Reactive.Interop.LinuxConstants;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>One frame as a plain AF_PACKET socket received it, with what the kernel said about it (sockaddr_ll and PACKET_AUXDATA).</summary>
internal sealed record AuxFrame(byte[] Data, LinuxPacketInfo Info, uint WireLength);

/// <summary>
/// A plain AF_PACKET socket (no ring) for differential tests: the program given is attached before bind (so
/// nothing arrives unfiltered), every frame is read whole with its sockaddr_ll and tpacket_auxdata, which carry
/// what the kernel's filter saw: protocol, packet type, interface, hardware type, stripped VLAN tag, network offset.
/// </summary>
internal sealed unsafe class AuxPacketSocket : IDisposable
{
    private readonly FileDescriptorHandle _socket;

    public AuxPacketSocket(string interfaceName, BpfProgram? program)
    {
        var link = SlimCap.Reactive.Links.NetworkLinks.Get(interfaceName);
        _socket = Syscalls.OpenPacketSocket(0, interfaceName);
        try
        {
            PacketSocketSetup.SetReceiveBuffer(_socket, 8 << 20, link);
            Syscalls.SetSocketOption(_socket, SOL_PACKET, PACKET_AUXDATA, 1, "setsockopt(PACKET_AUXDATA)", interfaceName);
            if (program is not null) PacketSocketSetup.AttachFilter(_socket, program, interfaceName);
            Syscalls.BindPacket(_socket, link.Index, ETH_P_ALL, interfaceName);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    /// <summary>Every frame queued now (waiting up to <paramref name="quietMs"/> for more after the last one).</summary>
    public List<AuxFrame> Drain(int quietMs = 200)
    {
        var frames = new List<AuxFrame>();
        var buffer = new byte[65536];
        var control = new byte[128];
        while (true)
        {
            var poll = new PollFd { Fd = (int)_socket.DangerousGetHandle(), Events = 1 };
            if (Syscalls.Poll(new Span<PollFd>(ref poll), quietMs) <= 0) return frames;
            SockaddrLl address;
            fixed (byte* data = buffer)
            fixed (byte* cmsg = control)
            {
                var iov = new IoVec { Base = data, Length = (nuint)buffer.Length };
                var message = new MMsgHdr
                {
                    Header = new MsgHdr { Name = &address, NameLength = (uint)sizeof(SockaddrLl), Iov = &iov, IovLength = 1, Control = cmsg, ControlLength = (nuint)control.Length },
                };
                int n = Syscalls.ReceiveMessages((int)_socket.DangerousGetHandle(), &message, 1, MSG_DONTWAIT);
                if (n <= 0) continue;
                int length = (int)message.Length;
                TPacketAuxdata aux = default;
                bool haveAux = false;
                // One cmsghdr { size_t len; int level; int type; } then the data, 8-byte aligned.
                for (int at = 0; at + 16 <= (int)message.Header.ControlLength;)
                {
                    long cmsgLength = *(long*)(cmsg + at);
                    if (cmsgLength < 16) break;
                    if (*(int*)(cmsg + at + 8) == SOL_PACKET && *(int*)(cmsg + at + 12) == PACKET_AUXDATA)
                    {
                        aux = *(TPacketAuxdata*)(cmsg + at + 16);
                        haveAux = true;
                    }
                    at += (int)((cmsgLength + 7) & ~7L);
                }
                if (!haveAux) throw new InvalidOperationException("a frame came without PACKET_AUXDATA");
                bool vlan = (aux.Status & 0x10) != 0 || aux.VlanTci != 0;
                var info = new LinuxPacketInfo
                {
                    Length = aux.Len,
                    Protocol = (ushort)((address.Protocol >> 8) | (address.Protocol << 8)),
                    PacketType = (PacketType)address.PktType,
                    InterfaceIndex = address.IfIndex,
                    HardwareType = address.HaType,
                    NetworkOffset = aux.Net - aux.Mac,
                    VlanTagPresent = vlan,
                    VlanTci = aux.VlanTci,
                    VlanTpid = vlan ? ((aux.Status & 0x40) != 0 ? aux.VlanTpid : (ushort)0x8100) : (ushort)0,
                };
                frames.Add(new AuxFrame(buffer.AsSpan(0, length).ToArray(), info, aux.Len));
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}
