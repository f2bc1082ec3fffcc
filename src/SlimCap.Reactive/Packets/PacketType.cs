namespace SlimCap.Reactive.Packets;

/// <summary>
/// Who a packet was addressed to, as the kernel classifies it (<c>sll_pkttype</c>). The values are
/// the kernel's, so they round-trip through slimcap-style APIs unchanged.
/// </summary>
public enum PacketType : byte
{
    /// <summary>Addressed to this host (PACKET_HOST).</summary>
    Host = 0,
    /// <summary>Link-layer broadcast (PACKET_BROADCAST).</summary>
    Broadcast = 1,
    /// <summary>Link-layer multicast (PACKET_MULTICAST).</summary>
    Multicast = 2,
    /// <summary>Addressed to another host, seen in promiscuous mode or on veth (PACKET_OTHERHOST).</summary>
    OtherHost = 3,
    /// <summary>Sent by this host (PACKET_OUTGOING).</summary>
    Outgoing = 4,
    /// <summary>Not known, for example a record read from a classic pcap file.</summary>
    Unknown = 255,
}
