namespace SlimCap.Reactive.Links;

/// <summary>
/// Linux ARPHRD_ hardware types as <c>/sys/class/net/IFACE/type</c> reports them (linux/if_arp.h).
/// Any value may occur; the named ones are those the library knows how to capture from.
/// </summary>
public enum HardwareType : ushort
{
    /// <summary>Ethernet (ARPHRD_ETHER).</summary>
    Ethernet = 1,
    /// <summary>Linux cooked v2 as slimcap numbers it (276).</summary>
    LinuxSll2 = 276,
    /// <summary>Point-to-point protocol (ARPHRD_PPP).</summary>
    Ppp = 512,
    /// <summary>IPIP tunnel (ARPHRD_TUNNEL).</summary>
    IpIp = 768,
    /// <summary>IP6IP6 tunnel (ARPHRD_TUNNEL6).</summary>
    Ip6Ip6 = 769,
    /// <summary>Loopback (ARPHRD_LOOPBACK).</summary>
    Loopback = 772,
    /// <summary>IPv6-in-IPv4 (ARPHRD_SIT).</summary>
    Sit = 776,
    /// <summary>GRE over IPv4 (ARPHRD_IPGRE).</summary>
    Gre = 778,
    /// <summary>GRE over IPv6 (ARPHRD_IP6GRE).</summary>
    Gre6 = 823,
    /// <summary>No link header, e.g. tun devices and WireGuard (ARPHRD_NONE).</summary>
    None = 65534,
}
