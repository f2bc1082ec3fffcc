namespace SlimCap.Cli.Capture;

/// <summary>How to open a live capture on one interface, as the capture and stats commands' options give it.</summary>
/// <param name="Interface">The interface name (-i).</param>
/// <param name="SnapLength">Bytes kept of each packet (-s).</param>
/// <param name="RingBytes">Ring size in bytes (-B MiB), or null for the library's default.</param>
/// <param name="BlockSize">Ring block size in bytes (--block-size), or null for the default.</param>
/// <param name="BlockTimeout">How long the kernel waits before handing over a block that is not full (--timeout), or null.</param>
/// <param name="Promiscuous">Put the interface in promiscuous mode (off with -p).</param>
/// <param name="UseSocket">A plain socket (recvmmsg batches) instead of the TPACKET_V3 ring (--socket).</param>
/// <param name="Filter">The pcap-filter expression, or null.</param>
/// <param name="Fanout">PACKET_FANOUT group members (--fanout), or null for one ring or socket.</param>
internal sealed record LiveCaptureSettings(string Interface, int SnapLength, long? RingBytes, long? BlockSize, TimeSpan? BlockTimeout,
    bool Promiscuous, bool UseSocket, string? Filter, int? Fanout = null);
