
namespace SlimCap.Reactive.Packets;

/// <summary>
/// The names under which the library reports through <see cref="System.Diagnostics.Metrics"/>: one meter,
/// <see cref="MeterName"/>, with an observable instrument per counter, read from each open source's own 64-bit
/// counters when a listener collects (nothing is recorded per packet). <c>dotnet-counters monitor --counters SlimCap.Reactive</c>
/// and OpenTelemetry's <c>AddMeter("SlimCap.Reactive")</c> see them with no code.
/// </summary>
/// <remarks>
/// Every measurement of a source carries <see cref="InterfaceTag"/> (the interface, or the file's name),
/// <see cref="SourceKindTag"/> (<c>ring</c>, <c>socket</c>, <c>file</c>, <c>ring-image</c>) and <see cref="SourceIdTag"/>
/// (a number unique within the process, so two sources on one interface stay two series). A source is reported from
/// its creation until it is disposed.
/// </remarks>
public static class CaptureMetrics
{
    /// <summary>The meter's name: <c>SlimCap.Reactive</c>.</summary>
    public const string MeterName = "SlimCap.Reactive";

    /// <summary>Packets handed to readers (every packet of every block a read call returned). Counter, <c>{packet}</c>.</summary>
    public const string Packets = "slimcap.packets";

    /// <summary>
    /// Captured bytes handed to readers (the sum of <see cref="PacketRef.CapturedLength"/>). Counter, <c>By</c>. Counted only
    /// while a listener has this instrument enabled (one header walk per block then; none otherwise).
    /// </summary>
    public const string Bytes = "slimcap.bytes";

    /// <summary>Packets the kernel accepted for the socket after its filter, dropped ones included (<c>tp_packets</c>). Counter, <c>{packet}</c>.</summary>
    public const string KernelPackets = "slimcap.kernel.packets";

    /// <summary>Packets the kernel had no room for (<c>tp_drops</c>). Counter, <c>{packet}</c>.</summary>
    public const string KernelDrops = "slimcap.kernel.drops";

    /// <summary>Times the kernel found the ring full and froze it (<c>tp_freeze_q_cnt</c>). Counter, <c>{freeze}</c>.</summary>
    public const string QueueFreezes = "slimcap.kernel.queue_freezes";

    /// <summary>The captured interface's own receive drop counter (sysfs <c>rx_dropped</c>, since the interface came up; live sources only). Counter, <c>{packet}</c>.</summary>
    public const string InterfaceDrops = "slimcap.interface.drops";

    /// <summary>Times a read found every block still leased by consumers. Counter, <c>{starvation}</c>.</summary>
    public const string Starvations = "slimcap.ring.starvations";

    /// <summary>Blocks leased to consumers and not yet disposed. Up-down counter, <c>{block}</c>.</summary>
    public const string OutstandingLeases = "slimcap.leases.outstanding";

    /// <summary>
    /// Packets a Dataflow fan-out disposed instead of delivering to a target (<see cref="SlimCap.Reactive.Dataflow.FanOutTargetCounters.PacketsDropped"/>),
    /// tagged with <see cref="FanOutKindTag"/>, <see cref="FanOutTargetTag"/> and, once <c>RunAsync</c> reads a source, that source's tags.
    /// Counter, <c>{packet}</c>.
    /// </summary>
    public const string FanOutDrops = "slimcap.fanout.drops";

    /// <summary>Tag: the interface captured, or the capture file's name.</summary>
    public const string InterfaceTag = "network.interface.name";

    /// <summary>Tag: which kind of source (<c>ring</c>, <c>socket</c>, <c>file</c>, <c>ring-image</c>).</summary>
    public const string SourceKindTag = "slimcap.source.kind";

    /// <summary>Tag: a number unique to the source within the process.</summary>
    public const string SourceIdTag = "slimcap.source.id";

    /// <summary>Tag: <c>broadcast</c> or <c>partition</c>.</summary>
    public const string FanOutKindTag = "slimcap.fanout.kind";

    /// <summary>Tag: the target's index in the fan-out.</summary>
    public const string FanOutTargetTag = "slimcap.fanout.target";
}
