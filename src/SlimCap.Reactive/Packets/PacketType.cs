namespace SlimCap.Reactive;

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

/// <summary>A set of <see cref="PacketType"/> values, for filters.</summary>
[Flags]
public enum PacketTypes
{
    /// <summary>No packet type.</summary>
    None = 0,
    /// <summary><see cref="PacketType.Host"/>.</summary>
    Host = 1 << 0,
    /// <summary><see cref="PacketType.Broadcast"/>.</summary>
    Broadcast = 1 << 1,
    /// <summary><see cref="PacketType.Multicast"/>.</summary>
    Multicast = 1 << 2,
    /// <summary><see cref="PacketType.OtherHost"/>.</summary>
    OtherHost = 1 << 3,
    /// <summary><see cref="PacketType.Outgoing"/>.</summary>
    Outgoing = 1 << 4,
    /// <summary><see cref="PacketType.Unknown"/> and any value the kernel may add later.</summary>
    Unknown = 1 << 5,
    /// <summary>Every packet addressed to this host in some way (host, broadcast, multicast).</summary>
    Inbound = Host | Broadcast | Multicast,
    /// <summary>Every packet type.</summary>
    All = Host | Broadcast | Multicast | OtherHost | Outgoing | Unknown,
}

/// <summary>Conversions between <see cref="PacketType"/> and <see cref="PacketTypes"/>.</summary>
public static class PacketTypeExtensions
{
    /// <summary>The one-member set that holds <paramref name="type"/>.</summary>
    public static PacketTypes ToSet(this PacketType type) =>
        (uint)type <= (uint)PacketType.Outgoing ? (PacketTypes)(1 << (int)type) : PacketTypes.Unknown;

    /// <summary>True when <paramref name="set"/> holds <paramref name="type"/>.</summary>
    public static bool Contains(this PacketTypes set, PacketType type) => (set & type.ToSet()) != 0;

    /// <summary>slimcap's notion of inbound: anything but <see cref="PacketType.Outgoing"/>.</summary>
    public static bool IsInbound(this PacketType type) => type != PacketType.Outgoing;
}
