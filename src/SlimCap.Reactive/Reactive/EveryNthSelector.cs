using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// Keeps the n-th, 2n-th, 3n-th… packet it is shown, counting across blocks: one instance per subscription, so the
/// choice depends only on the order of packets, never on how they were batched.
/// </summary>
internal struct EveryNthSelector : IPacketSelector
{
    private readonly long _n;
    private long _untilNext;

    internal EveryNthSelector(long n)
    {
        _n = n;
        _untilNext = n;
    }

    public static bool NeedsPacket => false;

    public bool Select(PacketType type, in PacketRef packet)
    {
        if (--_untilNext != 0) return false;
        _untilNext = _n;
        return true;
    }
}
