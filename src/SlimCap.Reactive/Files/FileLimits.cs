using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Files;

/// <summary>Length limits shared by the readers, as libpcap 1.10 applies them.</summary>
internal static class FileLimits
{
    /// <summary>The largest record libpcap accepts for most link types, and the snapshot length meant by 0.</summary>
    internal const int DefaultMaxSnapLength = 262144;

    /// <summary>The largest pcapng block libpcap accepts unless a link type needs more.</summary>
    internal const int DefaultMaxBlockSize = 16 * 1024 * 1024;

    /// <summary>Largest first Section Header Block libpcap accepts.</summary>
    internal const int MaxFirstShbSize = 1024 * 1024;

    /// <summary>The largest captured length a record of <paramref name="linkType"/> may have (libpcap's max_snaplen_for_dlt).</summary>
    internal static int MaxSnapLength(LinkType linkType) => (ushort)linkType switch
    {
        231 => 128 * 1024 * 1024, // DBUS
        279 => 8 * 1024 * 1024,   // EBHSCR
        249 => 1024 * 1024,       // USBPCAP
        _ => DefaultMaxSnapLength,
    };

    /// <summary>libpcap's pcap_adjust_snapshot: 0 and values above 2^31-1 mean the link type's maximum.</summary>
    internal static long AdjustSnapLength(LinkType linkType, uint snapLength) =>
        snapLength == 0 || snapLength > int.MaxValue ? MaxSnapLength(linkType) : snapLength;

    /// <summary>The largest pcapng block a packet of <paramref name="linkType"/> may need (libpcap's MAX_BLOCK_SIZE).</summary>
    internal static long MaxBlockSize(LinkType linkType) =>
        Math.Max(DefaultMaxBlockSize, 8 + 20 + (long)MaxSnapLength(linkType) + 131072 + 4);
}
