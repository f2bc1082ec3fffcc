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
    public const int SO_DETACH_FILTER = 27;
    public const int SO_TIMESTAMPNS = 35;
    public const int SCM_TIMESTAMPNS = SO_TIMESTAMPNS;

    public const ushort ETH_P_ALL = 0x0003;

    public const int PACKET_ADD_MEMBERSHIP = 1;
    public const int PACKET_RX_RING = 5;
    public const int PACKET_STATISTICS = 6;
    public const int PACKET_AUXDATA = 8;
    public const int PACKET_VERSION = 10;
    public const int PACKET_FANOUT = 18;
    public const int PACKET_FANOUT_DATA = 22;
    public const int PACKET_IGNORE_OUTGOING = 23;
    public const int PACKET_MR_PROMISC = 1;
    public const int TPACKET_V3 = 2;

    // tp_status bits a ring frame and PACKET_AUXDATA share: the kernel stripped a VLAN tag, and its TPID is valid.
    public const uint TP_STATUS_VLAN_VALID = 1 << 4;
    public const uint TP_STATUS_VLAN_TPID_VALID = 1 << 6;

    // PACKET_FANOUT modes (the low byte of type_flags) and flags (the high byte).
    public const int PACKET_FANOUT_HASH = 0, PACKET_FANOUT_LB = 1, PACKET_FANOUT_CPU = 2, PACKET_FANOUT_ROLLOVER = 3,
        PACKET_FANOUT_RND = 4, PACKET_FANOUT_QM = 5, PACKET_FANOUT_CBPF = 6, PACKET_FANOUT_EBPF = 7;
    public const int PACKET_FANOUT_FLAG_ROLLOVER = 0x1000, PACKET_FANOUT_FLAG_UNIQUEID = 0x2000,
        PACKET_FANOUT_FLAG_IGNORE_OUTGOING = 0x4000, PACKET_FANOUT_FLAG_DEFRAG = 0x8000;
    /// <summary>The most members a group may have through struct fanout_args (PACKET_FANOUT_MAX); without it, 256.</summary>
    public const int PACKET_FANOUT_MAX = 1 << 16;
    public const int PACKET_FANOUT_LEGACY_MAX = 256;

    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_TRUNC = 0x20;

    public const int PROT_READ = 1, PROT_WRITE = 2;
    public const int MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;

    public const short POLLIN = 1, POLLERR = 8, POLLHUP = 16, POLLNVAL = 32;

    public const int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;

    public const int IFF_UP = 0x1;
}
