using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Filters;

/// <summary>
/// How many bytes of each packet to capture (the snap length), fixed or derived from the link's
/// IP-layer offset as slimcap's strategies are: offset + 20 / 40 for an IPv4 / IPv6 header, plus
/// 14 more to reach the TCP flags for the transport variants.
/// </summary>
/// <remarks>Thread safety: immutable; safe to share.</remarks>
public sealed class CaptureLength
{
    /// <summary>The largest snap length the library accepts, as libpcap's MAXIMUM_SNAPLEN.</summary>
    public const int Maximum = 262144;

    private readonly int _fixed;
    private readonly int _beyondIpOffset;
    private readonly string _name;

    private CaptureLength(int fixedLength, int beyondIpOffset, string name)
    {
        _fixed = fixedLength;
        _beyondIpOffset = beyondIpOffset;
        _name = name;
    }

    /// <summary>Every byte of every frame (up to <see cref="Maximum"/>). The default.</summary>
    public static CaptureLength Full { get; } = new(Maximum, 0, "Full");

    /// <summary>Enough for the link header and an IPv4 header.</summary>
    public static CaptureLength MinimalIPv4Header { get; } = new(0, 20, nameof(MinimalIPv4Header));

    /// <summary>Enough for the link header and an IPv6 header.</summary>
    public static CaptureLength MinimalIPv6Header { get; } = new(0, 40, nameof(MinimalIPv6Header));

    /// <summary>Enough for the link header, an IPv4 header and the transport header up to the TCP flags.</summary>
    public static CaptureLength MinimalIPv4Transport { get; } = new(0, 34, nameof(MinimalIPv4Transport));

    /// <summary>Enough for the link header, an IPv6 header and the transport header up to the TCP flags.</summary>
    public static CaptureLength MinimalIPv6Transport { get; } = new(0, 54, nameof(MinimalIPv6Transport));

    /// <summary>A fixed snap length.</summary>
    /// <exception cref="InvalidCaptureOptionException">Not between 1 and <see cref="Maximum"/>.</exception>
    public static CaptureLength Fixed(int snapLength)
    {
        if (snapLength < 1 || snapLength > Maximum)
            throw new InvalidCaptureOptionException(nameof(CaptureLength), $"a fixed capture length must be between 1 and {Maximum} bytes; got {snapLength}.");
        return new CaptureLength(snapLength, 0, $"Fixed({snapLength})");
    }

    /// <summary>True for the strategies that depend on the link's IP-layer offset.</summary>
    public bool DependsOnLink => _fixed == 0;

    /// <summary>The snap length for a link whose IP layer starts at <paramref name="ipLayerOffset"/> (-1: unknown).</summary>
    /// <exception cref="InvalidCaptureOptionException">The strategy needs the offset and it is unknown.</exception>
    public int Resolve(int ipLayerOffset)
    {
        if (_fixed != 0) return _fixed;
        if (ipLayerOffset < 0)
            throw new InvalidCaptureOptionException(nameof(CaptureLength), $"{_name} needs a link type whose IP-layer offset is known; this link's is not. Use CaptureLength.Fixed(n).");
        return ipLayerOffset + _beyondIpOffset;
    }

    /// <inheritdoc/>
    public override string ToString() => _name;
}
