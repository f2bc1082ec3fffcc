namespace SlimCap.Cli.Commands;

/// <summary>What <c>slimcap stats</c> was asked to do.</summary>
/// <param name="Interfaces">The interfaces to watch (-i, comma-separated).</param>
/// <param name="Once">One interval, then exit (--once).</param>
/// <param name="Json">JSON lines (--json).</param>
/// <param name="Interval">The refresh interval (--interval).</param>
/// <param name="Top">Flows to show (--top).</param>
/// <param name="Duration">Stop after this long (--duration), or null.</param>
/// <param name="Fanout">PACKET_FANOUT members per interface (--fanout), or null.</param>
/// <param name="Promiscuous">Promiscuous mode (off with -p).</param>
/// <param name="SnapLength">Bytes kept of each packet (-s).</param>
/// <param name="Filter">The pcap-filter expression, or null.</param>
internal sealed record StatsSettings(IReadOnlyList<string> Interfaces, bool Once, bool Json, TimeSpan Interval, int Top, TimeSpan? Duration, int? Fanout,
    bool Promiscuous, int SnapLength, string? Filter);
