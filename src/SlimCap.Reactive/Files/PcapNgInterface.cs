using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Files;

/// <summary>One Interface Description Block of the current pcapng section, with its timestamp scale resolved.</summary>
internal readonly struct PcapNgInterface
{
    private const ulong NanosPerSecond = 1_000_000_000UL;
    private readonly ulong _resolution;
    private readonly bool _binary;
    private readonly ulong _offsetSeconds;

    internal PcapNgInterface(LinkType linkType, long snapshot, ulong resolution, bool binary, ulong offsetSeconds)
    {
        LinkType = linkType;
        Snapshot = snapshot;
        _resolution = resolution;
        _binary = binary;
        _offsetSeconds = offsetSeconds;
    }

    internal LinkType LinkType { get; }

    /// <summary>The snapshot length as libpcap adjusts it (0 means the link type's maximum).</summary>
    internal long Snapshot { get; }

    /// <summary>
    /// Seconds and nanoseconds of a raw timestamp <paramref name="t"/>, in unsigned 64-bit arithmetic as
    /// libpcap does (seconds = t / R + if_tsoffset, fraction scaled to 10^-9), folded into one ns count.
    /// </summary>
    internal long ToNanoseconds(ulong t)
    {
        unchecked
        {
            ulong r = _resolution;
            ulong seconds = t / r + _offsetSeconds;
            ulong fraction = t % r;
            ulong nanos = _binary ? fraction * NanosPerSecond / r
                : r <= NanosPerSecond ? fraction * (NanosPerSecond / r)
                : fraction / (r / NanosPerSecond);
            return (long)(seconds * NanosPerSecond + nanos);
        }
    }
}
