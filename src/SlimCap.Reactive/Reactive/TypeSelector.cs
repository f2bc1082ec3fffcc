using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>Keeps packets whose type is in a set.</summary>
internal readonly struct TypeSelector(PacketTypes types) : IPacketSelector
{
    public static bool NeedsPacket => false;

    public bool Select(PacketType type, in PacketRef packet) => types.Contains(type);
}
