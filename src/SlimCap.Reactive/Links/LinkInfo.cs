using System.Runtime.CompilerServices;
using System.Net.NetworkInformation;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Links;

/// <summary>
/// A network interface as the kernel describes it in <c>/sys/class/net</c>, read once. Immutable:
/// call <see cref="NetworkLinks.Get"/> again for fresh state.
/// </summary>
/// <remarks>Thread safety: immutable; safe to share.</remarks>
public sealed class LinkInfo
{
    internal LinkInfo(string name, int index, int mtu, PhysicalAddress hardwareAddress, bool isUp, bool isVlan,
        HardwareType hardwareType, string operState, int flags)
    {
        Name = name;
        Index = index;
        Mtu = mtu;
        HardwareAddress = hardwareAddress;
        IsUp = isUp;
        IsVlan = isVlan;
        HardwareType = hardwareType;
        OperationalState = operState;
        Flags = flags;
    }

    /// <summary>The interface name, e.g. <c>eth0</c>.</summary>
    public string Name { get; }

    /// <summary>The kernel's interface index (ifindex).</summary>
    public int Index { get; }

    /// <summary>The MTU in bytes.</summary>
    public int Mtu { get; }

    /// <summary>The hardware (MAC) address; empty for links without one.</summary>
    public PhysicalAddress HardwareAddress { get; }

    /// <summary>True when the interface is administratively up (IFF_UP).</summary>
    public bool IsUp { get; }

    /// <summary>True for 802.1Q VLAN sub-interfaces.</summary>
    public bool IsVlan { get; }

    /// <summary>The ARPHRD hardware type, which decides the frames' link-layer header.</summary>
    public HardwareType HardwareType { get; }

    /// <summary>The kernel's operational state (<c>up</c>, <c>down</c>, <c>unknown</c> for loopback, ...).</summary>
    public string OperationalState { get; }

    /// <summary>The interface flags (IFF_*).</summary>
    public int Flags { get; }

    /// <summary>The pcap link type of frames captured on this interface; <see cref="LinkType.Unknown"/> when no LINKTYPE fits.</summary>
    public LinkType LinkType => LinkTypeFor(HardwareType);

    /// <summary>Offset of the IP header in a captured frame, or <see cref="LinkTypeInfo.UnknownOffset"/> (-1) for unknown types.</summary>
    public int IpLayerOffset => LinkTypeInfo.IpLayerOffset(LinkType);

    /// <summary>Which automatic BPF filter fits this interface (slimcap's per-type choice).</summary>
    public AutoFilterKind AutoFilterKind => HardwareType switch
    {
        HardwareType.Ethernet => AutoFilterKind.Ethernet,
        HardwareType.Loopback => AutoFilterKind.Loopback,
        HardwareType.Ppp or HardwareType.Ip6Ip6 or HardwareType.Gre or HardwareType.Gre6 or HardwareType.LinuxSll2
            or HardwareType.None or HardwareType.IpIp or HardwareType.Sit => AutoFilterKind.RawIp,
        _ => AutoFilterKind.None,
    };

    /// <summary>Maps an ARPHRD type to the pcap link type of frames an AF_PACKET SOCK_RAW socket delivers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static LinkType LinkTypeFor(HardwareType hardwareType) => hardwareType switch
    {
        HardwareType.Ethernet or HardwareType.Loopback => LinkType.Ethernet,
        HardwareType.Ppp or HardwareType.IpIp or HardwareType.Ip6Ip6 or HardwareType.Sit or HardwareType.Gre
            or HardwareType.Gre6 or HardwareType.None => LinkType.Raw,
        HardwareType.LinuxSll2 => LinkType.LinuxSll2,
        _ => LinkType.Unknown,
    };

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name} (index {Index}, {HardwareType}/{LinkTypeInfo.Name(LinkType)}, mtu {Mtu}, {(IsUp ? "up" : "down")}{(IsVlan ? ", vlan" : "")})";
}
