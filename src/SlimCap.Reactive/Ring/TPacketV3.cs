using System.Runtime.CompilerServices;

namespace SlimCap.Reactive.Ring;

/// <summary>
/// The TPACKET_V3 ring layout (linux/if_packet.h): every offset the library reads or writes, in
/// one place. Block status is shared with the kernel, so it is read with acquire and written with
/// release semantics (libpcap uses __atomic; slimcap's plain loads are a known weakness).
/// </summary>
internal static unsafe class TPacketV3
{
    // struct tpacket_block_desc { u32 version; u32 offset_to_priv; struct tpacket_hdr_v1 hdr; }
    public const int BlockVersion = 0;
    public const int BlockOffsetToPriv = 4;
    public const int BlockStatus = 8;
    public const int BlockNumPackets = 12;
    public const int BlockOffsetToFirstPacket = 16;
    public const int BlockLength = 20;
    public const int BlockSequence = 24;
    public const int BlockFirstSec = 32, BlockFirstNsec = 36, BlockLastSec = 40, BlockLastNsec = 44;
    public const int BlockDescriptorSize = 48;

    // struct tpacket3_hdr
    public const int HdrNextOffset = 0;
    public const int HdrSec = 4;
    public const int HdrNsec = 8;
    public const int HdrSnaplen = 12;
    public const int HdrLen = 16;
    public const int HdrStatus = 20;
    public const int HdrMac = 24;
    public const int HdrNet = 26;
    public const int HdrRxHash = 28;
    public const int HdrVlanTci = 32;
    public const int HdrVlanTpid = 36;
    public const int HeaderSize = 48;

    // struct sockaddr_ll follows the header at TPACKET_ALIGN(sizeof(tpacket3_hdr)).
    public const int SllOffset = 48;
    public const int SllFamily = SllOffset + 0;
    public const int SllProtocol = SllOffset + 2;
    public const int SllIfIndex = SllOffset + 4;
    public const int SllHaType = SllOffset + 8;
    public const int SllPktType = SllOffset + 10;
    public const int SllHaLen = SllOffset + 11;
    public const int SllAddr = SllOffset + 12;
    public const int SllSize = 20;

    /// <summary>TPACKET3_HDRLEN: header plus sockaddr_ll, the minimum a packet slot occupies before the frame.</summary>
    public const int HeaderAndSllSize = HeaderSize + SllSize;

    public const uint StatusKernel = 0;
    public const uint StatusUser = 1 << 0;
    public const uint StatusCopy = 1 << 1;
    public const uint StatusLosing = 1 << 2;
    public const uint StatusCsumNotReady = 1 << 3;
    public const uint StatusVlanValid = Interop.LinuxConstants.TP_STATUS_VLAN_VALID;
    public const uint StatusBlockTimeout = 1 << 5;
    public const uint StatusVlanTpidValid = Interop.LinuxConstants.TP_STATUS_VLAN_TPID_VALID;

    /// <summary>TPACKET_ALIGNMENT.</summary>
    public const int Alignment = 16;

    public static int Align(int value) => (value + Alignment - 1) & ~(Alignment - 1);

    /// <summary>
    /// Where the kernel puts the link-layer header of a frame (tpacket_rcv): the network header
    /// lands at TPACKET_ALIGN(TPACKET3_HDRLEN + max(maclen, 16)), the MAC header maclen before it.
    /// </summary>
    public static int MacOffset(int macLength) => Align(HeaderAndSllSize + Math.Max(macLength, 16)) - macLength;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ReadStatus(byte* block) => Volatile.Read(ref *(uint*)(block + BlockStatus));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteStatus(byte* block, uint status) => Volatile.Write(ref *(uint*)(block + BlockStatus), status);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint U32(byte* p, int offset) => Unsafe.ReadUnaligned<uint>(p + offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort U16(byte* p, int offset) => Unsafe.ReadUnaligned<ushort>(p + offset);
}
