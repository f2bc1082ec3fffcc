using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.FilterLanguage;

/// <summary>How <see cref="PcapFilter.Compile(string, PcapFilterOptions)"/> compiles an expression.</summary>
/// <remarks>Thread safety: immutable; share freely.</remarks>
public sealed record PcapFilterOptions
{
    /// <summary>libpcap's PCAP_NETMASK_UNKNOWN: with it, <c>ip broadcast</c> is refused.</summary>
    public const uint NetmaskUnknown = 0xffffffff;

    /// <summary>The link type of the packets the program will see (Ethernet, raw IP, Linux cooked v1/v2, BSD loopback).</summary>
    public LinkType LinkType { get; init; } = LinkType.Ethernet;

    /// <summary>What an accepting program returns (libpcap returns the snapshot length); 1 to 262144.</summary>
    public uint SnapLength { get; init; } = 262144;

    /// <summary>Run the optimizer (as tcpdump does unless -O). An expression that can never match is then refused.</summary>
    public bool Optimize { get; init; } = true;

    /// <summary>The IPv4 netmask for <c>ip broadcast</c>: 0 as tcpdump passes for files, or <see cref="NetmaskUnknown"/>.</summary>
    public uint Netmask { get; init; }

    /// <summary>
    /// Compile for a Linux socket filter (live capture), as libpcap does there: <c>vlan</c> tests the kernel's
    /// stripped tag (SKF_AD_VLAN_TAG_PRESENT/SKF_AD_VLAN_TAG) before a tag still in the frame, and
    /// <c>inbound</c>/<c>outbound</c>/<c>ifindex</c> use the kernel's packet metadata. False (the default)
    /// compiles for capture files and user-space filtering, where those words test the frame only.
    /// </summary>
    public bool LinuxKernel { get; init; }

    /// <summary>For <see cref="LinkType.Null"/>: the 4-byte address family was written big-endian (default: little-endian, as x86 and ARM hosts write it).</summary>
    public bool LoopbackHeaderBigEndian { get; init; }
}
