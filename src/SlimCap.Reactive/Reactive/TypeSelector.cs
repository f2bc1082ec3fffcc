namespace SlimCap.Reactive;

/// <summary>Keeps packets whose type is in a set.</summary>
internal readonly struct TypeSelector(PacketTypes types) : IPacketSelector
{
    public bool Select(in PacketRef packet) => types.Contains(packet.Type);
}
