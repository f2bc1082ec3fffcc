using System.Runtime.InteropServices;
using Tmds.Linux;

namespace SlimCap.Reactive.Interop;

/// <summary>One AF_PACKET socket as NETLINK_SOCK_DIAG reports it (linux/packet_diag.h).</summary>
/// <param name="Inode">The socket's inode (as in /proc/PID/fd's <c>socket:[N]</c>).</param>
/// <param name="InterfaceIndex">The interface it is bound to (pdi_index), 0 for none.</param>
/// <param name="Protocol">The protocol it is bound to, in host order (pdiag_num).</param>
/// <param name="Fanout">Its fan-out group as getsockopt(PACKET_FANOUT) packs it (id, mode, flags), or 0 when it is in none.</param>
/// <param name="InFanoutGroup">
/// Whether it is in a group: the kernel sends PACKET_DIAG_FANOUT only then. <paramref name="Fanout"/> alone cannot say,
/// as group 0 in hash mode without flags packs to 0 (and the kernel's unique ids start at 0 after boot).
/// </param>
internal readonly record struct PacketSocketInfo(uint Inode, int InterfaceIndex, ushort Protocol, uint Fanout, bool InFanoutGroup)
{
    /// <summary>Whether it is a member of fan-out group <paramref name="id"/>.</summary>
    public bool IsMemberOf(ushort id) => InFanoutGroup && (ushort)Fanout == id;
}

/// <summary>
/// Lists the calling thread's network namespace's packet sockets through NETLINK_SOCK_DIAG (the interface
/// <c>ss -0</c> uses). The kernel refuses a group join with a bare EINVAL for half a dozen reasons; this is how
/// the library finds out which: it reads the existing group's mode, flags and interface from its members.
/// </summary>
internal static unsafe partial class PacketSocketDiag
{
    private const int AF_NETLINK = 16, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000, NETLINK_SOCK_DIAG = 4;
    private const ushort SOCK_DIAG_BY_FAMILY = 20, NLMSG_ERROR = 2, NLMSG_DONE = 3;
    private const ushort NLM_F_REQUEST = 1, NLM_F_DUMP = 0x300;
    private const uint PACKET_SHOW_INFO = 0x1, PACKET_SHOW_FANOUT = 0x8;
    private const ushort PACKET_DIAG_INFO = 0, PACKET_DIAG_FANOUT = 4;
    private const int HeaderSize = 16, MessageSize = 16, ReceiveBuffer = 32 * 1024;

    [StructLayout(LayoutKind.Sequential)]
    private struct Request
    {
        public uint Length;
        public ushort Type, Flags;
        public uint Sequence, Pid;
        public byte Family, Protocol;
        public ushort Pad;
        public uint Inode, Show, Cookie0, Cookie1;
    }

    /// <summary>Every packet socket of the namespace, or null when the kernel has no packet_diag (CONFIG_PACKET_DIAG) or refused.</summary>
    public static List<PacketSocketInfo>? TryList()
    {
        int fd = LibC.socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (fd < 0) return null;
        try
        {
            var request = new Request
            {
                Length = (uint)sizeof(Request),
                Type = SOCK_DIAG_BY_FAMILY,
                Flags = NLM_F_REQUEST | NLM_F_DUMP,
                Sequence = 1,
                Family = LinuxConstants.AF_PACKET,
                Show = PACKET_SHOW_INFO | PACKET_SHOW_FANOUT,
            };
            if (send(fd, &request, (nuint)sizeof(Request), 0) != sizeof(Request)) return null;
            var sockets = new List<PacketSocketInfo>();
            byte[] buffer = new byte[ReceiveBuffer];
            while (true)
            {
                nint n;
                fixed (byte* p = buffer) n = recv(fd, p, (nuint)buffer.Length, 0);
                if (n <= 0) return null;
                if (!Parse(buffer.AsSpan(0, (int)n), sockets, out bool done)) return null;
                if (done) return sockets;
            }
        }
        finally
        {
            LibC.close(fd);
        }
    }

    // Netlink headers and these attributes are in host order.

    /// <summary>Reads one datagram of netlink messages; false on an error message or a malformed one.</summary>
    private static bool Parse(ReadOnlySpan<byte> data, List<PacketSocketInfo> sockets, out bool done)
    {
        done = false;
        while (data.Length >= HeaderSize)
        {
            int length = (int)MemoryMarshal.Read<uint>(data);
            ushort type = MemoryMarshal.Read<ushort>(data[4..]);
            if (length < HeaderSize || length > data.Length) return false;
            if (type == NLMSG_DONE)
            {
                done = true;
                return true;
            }
            if (type == NLMSG_ERROR) return false;
            if (type == SOCK_DIAG_BY_FAMILY && length >= HeaderSize + MessageSize)
                sockets.Add(ParseSocket(data[HeaderSize..length]));
            data = data[Math.Min(Align(length), data.Length)..];
        }
        return true;
    }

    private static PacketSocketInfo ParseSocket(ReadOnlySpan<byte> message)
    {
        // struct packet_diag_msg: u8 family, u8 type, u16 num (the bound protocol, already in host order), u32 ino, u32 cookie[2]; then attributes.
        ushort protocol = MemoryMarshal.Read<ushort>(message[2..]);
        uint inode = MemoryMarshal.Read<uint>(message[4..]);
        int ifindex = 0;
        uint fanout = 0;
        bool inGroup = false;
        ReadOnlySpan<byte> attributes = message[MessageSize..];
        while (attributes.Length >= 4)
        {
            int length = MemoryMarshal.Read<ushort>(attributes);
            ushort type = MemoryMarshal.Read<ushort>(attributes[2..]);
            if (length < 4 || length > attributes.Length) break;
            ReadOnlySpan<byte> payload = attributes[4..length];
            if (type == PACKET_DIAG_INFO && payload.Length >= 4) ifindex = MemoryMarshal.Read<int>(payload);
            else if (type == PACKET_DIAG_FANOUT && payload.Length >= 4)
            {
                fanout = MemoryMarshal.Read<uint>(payload);
                inGroup = true;
            }
            attributes = attributes[Math.Min(Align(length), attributes.Length)..];
        }
        return new PacketSocketInfo(inode, ifindex, protocol, fanout, inGroup);
    }

    private static int Align(int length) => (length + 3) & ~3;

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint send(int fd, void* buffer, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recv(int fd, void* buffer, nuint length, int flags);
}
