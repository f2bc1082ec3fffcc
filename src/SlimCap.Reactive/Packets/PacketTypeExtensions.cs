namespace SlimCap.Reactive.Packets;

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
