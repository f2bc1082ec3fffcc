namespace SlimCap.Reactive.Interop;

/// <summary>Kernel constants that Tmds.LibC 0.5 does not define (linux/if_packet.h, linux/if_ether.h, asm/socket.h).</summary>
internal static class LinuxConstants
{
    public const int AF_PACKET = 17;
    public const int SOCK_RAW = 3;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1;
    public const int SOL_PACKET = 263;
    public const int SO_ERROR = 4;
    public const int SO_ATTACH_FILTER = 26;
    public const int SO_TIMESTAMPNS = 35;
    public const int SCM_TIMESTAMPNS = SO_TIMESTAMPNS;

    public const ushort ETH_P_ALL = 0x0003;

    public const int PACKET_ADD_MEMBERSHIP = 1;
    public const int PACKET_RX_RING = 5;
    public const int PACKET_STATISTICS = 6;
    public const int PACKET_AUXDATA = 8;
    public const int PACKET_VERSION = 10;
    public const int PACKET_FANOUT = 18;
    public const int PACKET_IGNORE_OUTGOING = 23;
    public const int PACKET_MR_PROMISC = 1;
    public const int TPACKET_V3 = 2;

    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_TRUNC = 0x20;

    public const int PROT_READ = 1, PROT_WRITE = 2;
    public const int MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;

    public const short POLLIN = 1, POLLERR = 8, POLLHUP = 16, POLLNVAL = 32;

    public const int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;

    public const int IFF_UP = 0x1;
}
