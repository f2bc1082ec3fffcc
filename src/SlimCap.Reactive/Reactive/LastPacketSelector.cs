using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>Keeps only the last of <c>count</c> visible packets.</summary>
internal struct LastPacketSelector(int count) : IPacketSelector
{
    private int _remaining = count;

    public static bool NeedsPacket => false;

    public bool Select(PacketType type, in PacketRef packet) => --_remaining == 0;
}
