using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Files;

/// <summary>Maps <see cref="PacketType"/> to and from pcapng's epb_flags (direction and reception type bits).</summary>
internal static class PacketDirection
{
    private const uint Inbound = 1, Outbound = 2;
    private const uint Unicast = 1 << 2, Multicast = 2 << 2, Broadcast = 3 << 2, Promiscuous = 4 << 2;

    /// <summary>The epb_flags value for <paramref name="type"/>, or 0 when there is nothing to say.</summary>
    internal static uint ToEpbFlags(PacketType type) => type switch
    {
        PacketType.Host => Inbound | Unicast,
        PacketType.Broadcast => Inbound | Broadcast,
        PacketType.Multicast => Inbound | Multicast,
        PacketType.OtherHost => Inbound | Promiscuous,
        PacketType.Outgoing => Outbound,
        _ => 0,
    };

    /// <summary>The packet type epb_flags describes; <see cref="PacketType.Unknown"/> when it does not say.</summary>
    internal static PacketType FromEpbFlags(uint flags)
    {
        if ((flags & 3) == Outbound) return PacketType.Outgoing;
        return (flags & (7 << 2)) switch
        {
            Unicast => PacketType.Host,
            Multicast => PacketType.Multicast,
            Broadcast => PacketType.Broadcast,
            Promiscuous => PacketType.OtherHost,
            _ => PacketType.Unknown,
        };
    }
}
