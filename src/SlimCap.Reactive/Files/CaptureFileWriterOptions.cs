namespace SlimCap.Reactive.Files;

/// <summary>Options of a <see cref="CaptureFileWriter"/>.</summary>
/// <remarks>Thread safety: immutable (init-only); safe to share.</remarks>
public sealed record CaptureFileWriterOptions
{
    /// <summary>
    /// The snapshot length written in the file (pcap header, pcapng interfaces). Records longer than it
    /// are cut to it, as a reader would cut them. Defaults to 262144, libpcap's largest for most link types.
    /// </summary>
    public int SnapLength { get; init; } = 262144;

    /// <summary>
    /// The link type for a pcap file that receives no packets (otherwise the first packet's is used).
    /// Defaults to <see cref="LinkType.Ethernet"/>.
    /// </summary>
    public LinkType EmptyFileLinkType { get; init; } = LinkType.Ethernet;

    /// <summary>
    /// When true, a packet whose VLAN tag the kernel stripped (<see cref="PacketRef.HasVlan"/>) is written
    /// with the 802.1Q tag put back after the MAC addresses (TPID 0x8100 unless the kernel reported another),
    /// so the file holds the frame as it was on the wire. Applies to Ethernet frames only. Defaults to false.
    /// </summary>
    public bool ReinsertVlanTags { get; init; }

    /// <summary>
    /// Bytes the writer may buffer before it flushes to the stream. Defaults to 64 KiB: memory stays bounded
    /// whatever the rate of writes, and a slow stream slows the writer down instead.
    /// </summary>
    public int FlushThreshold { get; init; } = 64 * 1024;
}
