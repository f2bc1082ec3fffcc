using System.Runtime.InteropServices;

namespace SlimCap.Reactive.Interop;

/// <summary>struct tpacket_req3 (linux/if_packet.h).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TPacketReq3
{
    public uint BlockSize, BlockCount, FrameSize, FrameCount, RetireBlockTimeoutMs, SizeofPriv, FeatureReqWord;
}

/// <summary>struct tpacket_stats_v3.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TPacketStatsV3
{
    public uint Packets, Drops, FreezeQueueCount;
}

/// <summary>
/// struct fanout_args (linux/if_packet.h, kernel 5.13+): PACKET_FANOUT with a member limit beyond 256.
/// The id and type_flags halves are in little-endian bitfield order; big-endian kernels swap them.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FanoutArgs
{
    public ushort First, Second;
    public uint MaxMembers;

    public static FanoutArgs Create(ushort id, ushort typeFlags, uint maxMembers) => BitConverter.IsLittleEndian
        ? new FanoutArgs { First = id, Second = typeFlags, MaxMembers = maxMembers }
        : new FanoutArgs { First = typeFlags, Second = id, MaxMembers = maxMembers };
}

/// <summary>struct sock_filter: one classic BPF instruction.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SockFilter
{
    public ushort Code;
    public byte Jt, Jf;
    public uint K;
}

/// <summary>struct sock_fprog.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SockFprog
{
    public ushort Length;
    public SockFilter* Filter;
}

/// <summary>struct tpacket_auxdata, the PACKET_AUXDATA control message.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TPacketAuxdata
{
    public uint Status, Len, Snaplen;
    public ushort Mac, Net, VlanTci, VlanTpid;
}

/// <summary>struct sockaddr_ll.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SockaddrLl
{
    public ushort Family;
    public ushort Protocol; // network byte order
    public int IfIndex;
    public ushort HaType;
    public byte PktType;
    public byte HaLen;
    public fixed byte Addr[8];
}

/// <summary>struct packet_mreq.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct PacketMreq
{
    public int IfIndex;
    public ushort Type;
    public ushort AddressLength;
    public fixed byte Address[8];
}

/// <summary>struct iovec.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    public void* Base;
    public nuint Length;
}

/// <summary>struct msghdr (x86-64 / arm64 glibc layout).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MsgHdr
{
    public void* Name;
    public uint NameLength;
    public IoVec* Iov;
    public nuint IovLength;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}

/// <summary>
/// struct mmsghdr (sys/socket.h), one entry of recvmmsg's vector: a msghdr followed by
/// <c>msg_len</c>, the call's result for that message. 64 bytes on x86-64 and arm64 (56 + 4, padded
/// to the msghdr's 8-byte alignment).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MMsgHdr
{
    public MsgHdr Header;
    public uint Length;
}

/// <summary>struct timespec (64-bit).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TimeSpec
{
    public long Seconds, Nanoseconds;
}

/// <summary>struct pollfd.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events, REvents;
}
