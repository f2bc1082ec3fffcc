using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using static SlimCap.Reactive.Interop.LinuxConstants;

namespace SlimCap.Reactive.Interop;

/// <summary>What the kernel reported for one message of a <see cref="PacketBatchReceiver.Receive"/> call.</summary>
/// <param name="CapturedLength">Bytes written into the message's slot (at most the slot length).</param>
/// <param name="WireLength">The packet's length on the wire (PACKET_AUXDATA's tp_len, else the MSG_TRUNC length).</param>
/// <param name="TimestampNs">SO_TIMESTAMPNS in Unix nanoseconds, or 0 when the kernel sent none.</param>
/// <param name="PacketType">sll_pkttype of the message's own sockaddr_ll (PACKET_HOST, PACKET_OUTGOING, ...).</param>
/// <param name="InterfaceIndex">sll_ifindex of the message's own sockaddr_ll.</param>
/// <param name="VlanTci">The VLAN tag control information the kernel stripped (auxdata).</param>
/// <param name="VlanTpid">The stripped tag's TPID, when the kernel says it is valid; else 0.</param>
/// <param name="HasVlan">True when the kernel stripped a VLAN tag.</param>
internal readonly record struct ReceivedPacket(int CapturedLength, long WireLength, long TimestampNs, byte PacketType,
    int InterfaceIndex, ushort VlanTci, ushort VlanTpid, bool HasVlan);

/// <summary>
/// One <c>recvmmsg</c> call receives many packets from an AF_PACKET socket, each into its own slot of
/// a caller's pinned buffer, with its own sockaddr_ll and control buffer (SO_TIMESTAMPNS and
/// PACKET_AUXDATA are per packet). The message vector is built once, so a call allocates nothing;
/// it lives in pinned managed arrays rather than native memory so that a reader still inside the
/// call while the source is disposed never writes into freed memory.
/// </summary>
/// <remarks>Not thread-safe: one reader at a time, which the capture source's reader gate ensures.</remarks>
[SupportedOSPlatform("linux")]
internal sealed unsafe class PacketBatchReceiver
{
    /// <summary>
    /// recvmmsg's own limit on messages per call (UIO_MAXIOV): the kernel silently clamps a longer
    /// vector, so a larger count would only waste the arrays.
    /// </summary>
    public const int MaxMessages = 1024;

    // Room for the two control messages the socket enables, CMSG_SPACE(16) for the timespec plus
    // CMSG_SPACE(20) for tpacket_auxdata = 72 bytes, with headroom so that a control message the
    // kernel may add later truncates nothing (MSG_CTRUNC would drop the auxdata after it).
    private const int ControlSize = 128;
    private const int CmsgHeaderSize = 16; // struct cmsghdr on 64-bit: size_t len, int level, int type

    private readonly MMsgHdr[] _messages;
    private readonly IoVec[] _vectors;
    private readonly SockaddrLl[] _addresses;
    private readonly byte[] _control;

    /// <summary>Builds the vector for up to <paramref name="capacity"/> messages per call.</summary>
    public PacketBatchReceiver(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxMessages);
        // Pinned-heap arrays never move, so the pointers between them are wired once, here.
        _messages = GC.AllocateArray<MMsgHdr>(capacity, pinned: true);
        _vectors = GC.AllocateArray<IoVec>(capacity, pinned: true);
        _addresses = GC.AllocateArray<SockaddrLl>(capacity, pinned: true);
        _control = GC.AllocateArray<byte>(capacity * ControlSize, pinned: true);
        MMsgHdr* messages = Pointer(_messages);
        IoVec* vectors = Pointer(_vectors);
        SockaddrLl* addresses = Pointer(_addresses);
        byte* control = Pointer(_control);
        for (int i = 0; i < capacity; i++)
        {
            messages[i].Header.Name = addresses + i;
            messages[i].Header.Iov = vectors + i;
            messages[i].Header.IovLength = 1;
            messages[i].Header.Control = control + i * ControlSize;
        }
    }

    /// <summary>The most messages one call takes.</summary>
    public int Capacity => _messages.Length;

    /// <summary>
    /// Receives up to <paramref name="count"/> queued packets without waiting (MSG_DONTWAIT): message
    /// <c>i</c> goes to <c>region[i * stride ..][..slotLength]</c>. Returns how many arrived (fewer
    /// than asked when the queue ran dry, or an error ended the call after some), or -errno (EAGAIN
    /// when nothing is queued). Read each one with <see cref="Packet"/> before the next call.
    /// </summary>
    /// <param name="fd">The socket; the caller holds a reference on its handle for the call.</param>
    /// <param name="region">Where the slots go; must be pinned (a pinned array), as the kernel writes to it.</param>
    /// <param name="stride">Bytes from one slot's start to the next one's (at least <paramref name="slotLength"/>).</param>
    /// <param name="slotLength">Bytes the kernel may write per message: the snap length.</param>
    /// <param name="count">Messages to ask for, 1 to <see cref="Capacity"/>; every slot must fit the region.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Receive(int fd, Span<byte> region, int stride, int slotLength, int count)
    {
        // Checked here, not trusted from the caller: a wrong slot would let the kernel write past the buffer.
        if (count < 1 || count > _messages.Length || slotLength < 1 || stride < slotLength
            || (long)(count - 1) * stride + slotLength > region.Length)
            throw new ArgumentOutOfRangeException(nameof(count), $"{count} slots of {slotLength} bytes every {stride} do not fit {region.Length} bytes (or exceed {_messages.Length}).");
        MMsgHdr* messages = Pointer(_messages);
        IoVec* vectors = Pointer(_vectors);
        fixed (byte* data = region)
        {
            for (int i = 0; i < count; i++)
            {
                vectors[i].Base = data + (nint)i * stride;
                vectors[i].Length = (nuint)slotLength;
                // The kernel overwrites these three per message; they are in/out, so reset every call.
                messages[i].Header.NameLength = (uint)sizeof(SockaddrLl);
                messages[i].Header.ControlLength = ControlSize;
                messages[i].Header.Flags = 0;
            }
            return Syscalls.ReceiveMessages(fd, messages, (uint)count, MSG_DONTWAIT | MSG_TRUNC);
        }
    }

    /// <summary>Message <paramref name="index"/> of the last <see cref="Receive"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReceivedPacket Packet(int index)
    {
        ref MMsgHdr message = ref _messages[index];
        ref SockaddrLl from = ref _addresses[index];
        // With MSG_TRUNC the kernel reports the packet's length after the filter's snap, even when the slot was shorter.
        long total = message.Length;
        int captured = (int)Math.Min(total, (long)_vectors[index].Length);
        long timestamp = 0;
        ushort tci = 0, tpid = 0;
        bool hasVlan = false;
        int controlLength = (int)Math.Min(message.Header.ControlLength, (nuint)ControlSize);
        fixed (byte* control = &_control[index * ControlSize])
        {
            ParseControl(control, controlLength, ref total, ref timestamp, ref tci, ref tpid, ref hasVlan);
        }
        return new ReceivedPacket(captured, total, timestamp, from.PktType, from.IfIndex, tci, tpid, hasVlan);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ParseControl(byte* control, int length, ref long total, ref long timestamp,
        ref ushort tci, ref ushort tpid, ref bool hasVlan)
    {
        int offset = 0;
        while (offset + CmsgHeaderSize <= length)
        {
            long cmsgLength = *(long*)(control + offset);
            int level = *(int*)(control + offset + 8);
            int type = *(int*)(control + offset + 12);
            if (cmsgLength < CmsgHeaderSize || offset + cmsgLength > length) break;
            byte* data = control + offset + CmsgHeaderSize;
            if (level == SOL_SOCKET && type == SCM_TIMESTAMPNS && cmsgLength >= CmsgHeaderSize + sizeof(TimeSpec))
            {
                var ts = *(TimeSpec*)data;
                timestamp = ts.Seconds * 1_000_000_000L + ts.Nanoseconds;
            }
            else if (level == SOL_PACKET && type == PACKET_AUXDATA && cmsgLength >= CmsgHeaderSize + sizeof(TPacketAuxdata))
            {
                var aux = *(TPacketAuxdata*)data;
                total = aux.Len;
                tci = aux.VlanTci;
                hasVlan = (aux.Status & TP_STATUS_VLAN_VALID) != 0 || aux.VlanTci != 0;
                tpid = (aux.Status & TP_STATUS_VLAN_TPID_VALID) != 0 ? aux.VlanTpid : (ushort)0;
            }
            offset += (int)((cmsgLength + 7) & ~7L);
        }
    }

    private static T* Pointer<T>(T[] pinned) where T : unmanaged =>
        (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
}
