using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// Two selectors applied in turn, as two operators in a row would: the second sees only the packets the first kept
/// (so a sampler after a filter counts filtered packets only). Each keeps its own state.
/// </summary>
internal struct ChainSelector<TFirst, TSecond>(TFirst first, TSecond second) : IPacketSelector
    where TFirst : struct, IPacketSelector
    where TSecond : struct, IPacketSelector
{
    private TFirst _first = first;   // mutable structs: never readonly
    private TSecond _second = second;

    public static bool NeedsPacket => TFirst.NeedsPacket || TSecond.NeedsPacket;

    public bool Select(PacketType type, in PacketRef packet) => _first.Select(type, packet) && _second.Select(type, packet);
}
