namespace SlimCap.Reactive.Packets;

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
