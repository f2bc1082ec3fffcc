namespace SlimCap.Reactive.Packets;

/// <summary>
/// A link-layer header type, numbered as pcap's LINKTYPE_ values (tcpdump.org/linktypes.html), so
/// the same number describes a live interface and a capture file. Any 16-bit value is allowed:
/// unnamed ones are carried through unchanged.
/// </summary>
public enum LinkType : ushort
{
    /// <summary>BSD loopback: a 4-byte host-endian address family, then IP.</summary>
    Null = 0,
    /// <summary>Ethernet (also Linux loopback, which uses Ethernet headers).</summary>
    Ethernet = 1,
    /// <summary>PPP with its HDLC-like framing header.</summary>
    Ppp = 9,
    /// <summary>Raw IP: the frame starts with the IPv4 or IPv6 header.</summary>
    Raw = 101,
    /// <summary>IEEE 802.11 without radio information.</summary>
    Ieee80211 = 105,
    /// <summary>OpenBSD loopback: a 4-byte network-order address family, then IP.</summary>
    Loop = 108,
    /// <summary>Linux cooked capture v1 (16-byte header).</summary>
    LinuxSll = 113,
    /// <summary>IEEE 802.11 with a radiotap header.</summary>
    Ieee80211Radiotap = 127,
    /// <summary>Raw IPv4.</summary>
    Ipv4 = 228,
    /// <summary>Raw IPv6.</summary>
    Ipv6 = 229,
    /// <summary>Linux cooked capture v2 (20-byte header).</summary>
    LinuxSll2 = 276,
    /// <summary>No LINKTYPE fits (a live interface of a hardware type the library does not know). Not a pcap value.</summary>
    Unknown = 0xFFFF,
}
