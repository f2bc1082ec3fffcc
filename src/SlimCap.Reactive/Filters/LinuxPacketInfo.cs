using System.Buffers.Binary;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Filters;

/// <summary>
/// What the Linux kernel knows about a frame besides its bytes (the <c>sk_buff</c> fields its
/// classic-BPF ancillary loads and negative offsets read), for <see cref="BpfProgram.RunLinux"/>.
/// Fields user space cannot know (mark, queue, hash, CPU, random) default to 0; set them when a
/// test knows the kernel's value.
/// </summary>
/// <remarks>Thread safety: an immutable value.</remarks>
public readonly record struct LinuxPacketInfo
{
    /// <summary><c>skb->len</c>, what <c>ld #pktlen</c> loads: the frame's length as the socket sees it (VLAN tag stripped), before any snap length.</summary>
    public uint Length { get; init; }

    /// <summary><c>skb->protocol</c> in host order (SKF_AD_PROTOCOL): the ethertype, or ETH_P_802_2 (4) / ETH_P_802_3 (1) for 802.3 length frames.</summary>
    public ushort Protocol { get; init; }

    /// <summary><c>skb->pkt_type</c> (SKF_AD_PKTTYPE).</summary>
    public PacketType PacketType { get; init; }

    /// <summary>The receiving interface's index (SKF_AD_IFINDEX).</summary>
    public int InterfaceIndex { get; init; }

    /// <summary>The interface's ARPHRD type (SKF_AD_HATYPE); 1 for Ethernet.</summary>
    public ushort HardwareType { get; init; }

    /// <summary>Whether the kernel took a VLAN tag off the frame (SKF_AD_VLAN_TAG_PRESENT).</summary>
    public bool VlanTagPresent { get; init; }

    /// <summary>The stripped tag's TCI (SKF_AD_VLAN_TAG).</summary>
    public ushort VlanTci { get; init; }

    /// <summary>The stripped tag's TPID (SKF_AD_VLAN_TPID), 0 when none.</summary>
    public ushort VlanTpid { get; init; }

    /// <summary>Where the network header starts in the frame: the base of SKF_NET_OFF loads (14 on Ethernet).</summary>
    public int NetworkOffset { get; init; }

    /// <summary><c>skb->mark</c> (SKF_AD_MARK).</summary>
    public uint Mark { get; init; }

    /// <summary><c>skb->queue_mapping</c> (SKF_AD_QUEUE).</summary>
    public uint Queue { get; init; }

    /// <summary>The flow hash (SKF_AD_RXHASH).</summary>
    public uint RxHash { get; init; }

    /// <summary>The CPU the filter runs on (SKF_AD_CPU).</summary>
    public uint Cpu { get; init; }

    /// <summary>The payload offset the flow dissector finds (SKF_AD_PAY_OFFSET).</summary>
    public uint PayloadOffset { get; init; }

    /// <summary>The value SKF_AD_RANDOM loads (the kernel's is pseudo-random).</summary>
    public uint Random { get; init; }

    /// <summary>
    /// The metadata of a received Ethernet frame (tag already stripped, as the kernel does before any
    /// packet socket sees it): length, the protocol <c>eth_type_trans</c> derives, network header at 14.
    /// </summary>
    public static LinuxPacketInfo ForEthernet(ReadOnlySpan<byte> frame, PacketType type = PacketType.Host, int interfaceIndex = 0,
        ushort? vlanTci = null, ushort vlanTpid = 0x8100) => new()
    {
        Length = (uint)frame.Length,
        Protocol = EthernetProtocol(frame),
        PacketType = type,
        InterfaceIndex = interfaceIndex,
        HardwareType = 1,
        NetworkOffset = 14,
        VlanTagPresent = vlanTci.HasValue,
        VlanTci = vlanTci ?? 0,
        VlanTpid = vlanTci.HasValue ? vlanTpid : (ushort)0,
    };

    /// <summary>
    /// The metadata of a captured packet as far as its <see cref="PacketRef"/> carries it: wire length,
    /// type, interface, VLAN tag, and for Ethernet and raw IP links the protocol and network offset
    /// the kernel would have set on receive. The hardware type is known for Ethernet only (else 0).
    /// </summary>
    public static LinuxPacketInfo FromPacket(in PacketRef packet)
    {
        ReadOnlySpan<byte> data = packet.Data;
        (ushort protocol, ushort hardware, int network) = packet.LinkType switch
        {
            LinkType.Ethernet => (EthernetProtocol(data), (ushort)1, 14),
            LinkType.Raw or LinkType.Ipv4 or LinkType.Ipv6 => (RawIpProtocol(data), (ushort)0, 0),
            _ => ((ushort)0, (ushort)0, Math.Max(packet.IpLayerOffset, 0)),
        };
        return new LinuxPacketInfo
        {
            Length = (uint)Math.Min(packet.TotalLength, uint.MaxValue),
            Protocol = protocol,
            PacketType = packet.Type,
            InterfaceIndex = packet.InterfaceIndex,
            HardwareType = hardware,
            NetworkOffset = network,
            VlanTagPresent = packet.HasVlan,
            VlanTci = packet.VlanTci,
            VlanTpid = packet.HasVlan ? (packet.VlanTpid == 0 ? (ushort)0x8100 : packet.VlanTpid) : (ushort)0,
        };
    }

    /// <summary>The protocol <c>eth_type_trans</c> gives a frame: the ethertype, else raw IPX (0xffff) as ETH_P_802_3, else ETH_P_802_2.</summary>
    internal static ushort EthernetProtocol(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 14) return 0;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        if (type >= 0x0600) return type;
        return frame.Length >= 16 && frame[14] == 0xff && frame[15] == 0xff ? (ushort)0x0001 : (ushort)0x0004;
    }

    private static ushort RawIpProtocol(ReadOnlySpan<byte> packet) =>
        packet.IsEmpty ? (ushort)0 : (ushort)((packet[0] >> 4) switch { 4 => 0x0800, 6 => 0x86dd, _ => 0 });
}
