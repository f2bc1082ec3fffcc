namespace SlimCap.Reactive.Packets;

/// <summary>Facts about link types that do not depend on a particular packet.</summary>
public static class LinkTypeInfo
{
    /// <summary>Returned by <see cref="IpLayerOffset"/> when the offset of the IP layer is not known.</summary>
    public const int UnknownOffset = -1;

    /// <summary>
    /// The byte offset of the IP header in a frame of this link type, or <see cref="UnknownOffset"/>
    /// when the type has no fixed one. Never throws, whatever the value (slimcap panics here).
    /// </summary>
    public static int IpLayerOffset(LinkType linkType) => linkType switch
    {
        LinkType.Ethernet => 14,
        LinkType.Raw or LinkType.Ipv4 or LinkType.Ipv6 => 0,
        LinkType.Null or LinkType.Loop => 4,
        LinkType.LinuxSll => 16,
        LinkType.LinuxSll2 => 20,
        _ => UnknownOffset,
    };

    /// <summary>A short name for messages: tcpdump's DLT name where there is one, else the number.</summary>
    public static string Name(LinkType linkType) => linkType switch
    {
        LinkType.Null => "NULL",
        LinkType.Ethernet => "EN10MB",
        LinkType.Ppp => "PPP",
        LinkType.Raw => "RAW",
        LinkType.Ieee80211 => "IEEE802_11",
        LinkType.Loop => "LOOP",
        LinkType.LinuxSll => "LINUX_SLL",
        LinkType.Ieee80211Radiotap => "IEEE802_11_RADIO",
        LinkType.Ipv4 => "IPV4",
        LinkType.Ipv6 => "IPV6",
        LinkType.LinuxSll2 => "LINUX_SLL2",
        LinkType.Unknown => "UNKNOWN",
        _ => ((ushort)linkType).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
