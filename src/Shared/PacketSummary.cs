namespace SlimCap.Shared;

/// <summary>A decoded packet: the tcpdump-style line, and its protocol, endpoints and ports where it has them.</summary>
internal readonly record struct PacketSummary(string Text, string? Protocol = null, string? Source = null, string? Destination = null,
    int? SourcePort = null, int? DestinationPort = null);
