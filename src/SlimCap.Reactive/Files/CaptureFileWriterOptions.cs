using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Files;

/// <summary>Options of a <see cref="CaptureFileWriter"/>.</summary>
/// <remarks>Thread safety: immutable (init-only); safe to share.</remarks>
public sealed record CaptureFileWriterOptions
{
    /// <summary>
    /// The snapshot length written in the file (pcap header, pcapng interfaces). Records longer than it
    /// are cut to it, as a reader would cut them. Defaults to 262144, libpcap's largest for most link types;
    /// 1 to <see cref="CaptureFileOptions.MaxRecordLengthLimit"/> (128 MiB, libpcap's largest for any link type).
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
    /// whatever the rate of writes, and a slow stream slows the writer down instead. 1 to <see cref="MaxFlushThreshold"/>.
    /// </summary>
    public int FlushThreshold { get; init; } = 64 * 1024;

    /// <summary>Largest <see cref="FlushThreshold"/>: 64 MiB.</summary>
    public const int MaxFlushThreshold = 64 * 1024 * 1024;

    /// <summary>Checks every value against its range, before the writer allocates anything.</summary>
    /// <exception cref="InvalidCaptureOptionException">A value is out of range; the message names the option and its limits.</exception>
    internal void Validate()
    {
        if (SnapLength is < 1 or > CaptureFileOptions.MaxRecordLengthLimit)
            throw new InvalidCaptureOptionException(nameof(SnapLength), $"must be between 1 and {CaptureFileOptions.MaxRecordLengthLimit} bytes (128 MiB); got {SnapLength}.");
        if (FlushThreshold is < 1 or > MaxFlushThreshold)
            throw new InvalidCaptureOptionException(nameof(FlushThreshold), $"must be between 1 and {MaxFlushThreshold} bytes (64 MiB); got {FlushThreshold}.");
    }
}
