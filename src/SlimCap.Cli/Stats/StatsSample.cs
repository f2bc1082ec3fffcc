namespace SlimCap.Cli.Stats;

/// <summary>One interval's view of one interface (or one fan-out member of it).</summary>
/// <param name="Name">The interface, or <c>IFACE#N</c> for member N.</param>
/// <param name="PacketsPerSecond">Packets captured per second over the interval.</param>
/// <param name="BytesPerSecond">Bytes (wire length) captured per second over the interval.</param>
/// <param name="Packets">Packets captured since the start.</param>
/// <param name="Bytes">Bytes captured since the start.</param>
/// <param name="Drops">Packets the kernel dropped since the start (no room in the ring).</param>
/// <param name="QueueFreezes">Times the kernel found the ring full since the start.</param>
internal sealed record StatsRow(string Name, double PacketsPerSecond, double BytesPerSecond, long Packets, long Bytes, long Drops, long QueueFreezes);

/// <summary>What the view shows at one tick: a row per interface and member, and the top flows of all of them.</summary>
internal sealed record StatsSample(DateTimeOffset Time, IReadOnlyList<StatsRow> Rows, IReadOnlyList<FlowRow> TopFlows);
