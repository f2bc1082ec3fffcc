using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// Keeps each packet with a fixed probability, drawn from a seeded SplitMix64 sequence: the same seed over the same
/// packets keeps the same packets, however they were batched. One instance per subscription.
/// </summary>
internal struct FractionSelector : IPacketSelector
{
    private readonly ulong _threshold; // keep when the next 53-bit draw is below it
    private ulong _state;

    internal FractionSelector(double fraction, long seed)
    {
        _threshold = (ulong)(fraction * (1UL << 53));
        _state = (ulong)seed;
    }

    public static bool NeedsPacket => false;

    public bool Select(PacketType type, in PacketRef packet) => (Next() >> 11) < _threshold;

    private ulong Next()
    {
        // SplitMix64 (Steele, Lea, Flood 2014): a full-period 64-bit generator with good mixing.
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
