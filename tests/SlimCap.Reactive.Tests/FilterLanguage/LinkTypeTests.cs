using SlimCap.Reactive.FilterLanguage;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.FilterLanguage;

/// <summary>Expressions on the other supported link types, encapsulations (VXLAN, Geneve), and refusals for the rest.</summary>
public class LinkTypeTests
{
    private const uint Host1 = 0xc6120001, Host2 = 0xc6120002;
    private static readonly byte[] Udp4 = Frames.Ipv4Udp(Host1, Host2, 40000, 53);
    private static readonly byte[] Tcp6 = Frames.Ipv6Tcp(40000, 443);

    private static bool Keeps(string expression, LinkType link, byte[] frame) =>
        PcapFilter.Compile(expression, link).Run(frame, (uint)frame.Length) != 0;

    [Theory]
    [InlineData(LinkType.Raw)]
    [InlineData(LinkType.Ipv4)]
    public void Raw_ipv4_frames(LinkType link)
    {
        Assert.True(Keeps("udp port 53 and host 198.18.0.2", link, Udp4));
        Assert.True(Keeps("ip and src 198.18.0.1", link, Udp4));
        Assert.False(Keeps("tcp", link, Udp4));
        Assert.False(Keeps("ip6 or tcp", link, Udp4));
        // No ARP on a raw IP link: libpcap refuses the expression, and so do we.
        Assert.Equal("expression rejects all packets", Assert.Throws<FilterExpressionException>(() => PcapFilter.Compile("arp", link)).Reason);
    }

    [Theory]
    [InlineData(LinkType.Raw)]
    [InlineData(LinkType.Ipv6)]
    public void Raw_ipv6_frames(LinkType link)
    {
        Assert.True(Keeps("tcp dst port 443 and ip6", link, Tcp6));
        Assert.True(Keeps("ip6 src fe80::1 and dst net ff02::/16", link, Tcp6));
        Assert.False(Keeps("ip or udp", link, Tcp6));
        Assert.False(Keeps("udp", link, Tcp6));
    }

    [Fact]
    public void Linux_cooked_v1_frames_and_direction()
    {
        byte[] outgoing = Frames.Sll(4, 0x0800, Udp4), incoming = Frames.Sll(0, 0x0800, Udp4);
        Assert.True(Keeps("udp port 53 and outbound", LinkType.LinuxSll, outgoing));
        Assert.False(Keeps("inbound", LinkType.LinuxSll, outgoing));
        Assert.True(Keeps("inbound and host 198.18.0.1", LinkType.LinuxSll, incoming));
        Assert.False(Keeps("ip6", LinkType.LinuxSll, incoming));
    }

    [Fact]
    public void Linux_cooked_v2_frames_interface_and_direction()
    {
        byte[] frame = Frames.Sll2(0x86dd, 7, 4, Tcp6);
        Assert.True(Keeps("ifindex 7 and outbound and tcp port 443", LinkType.LinuxSll2, frame));
        Assert.False(Keeps("ifindex 8", LinkType.LinuxSll2, frame));
        Assert.False(Keeps("inbound", LinkType.LinuxSll2, frame));
        Assert.False(Keeps("ip", LinkType.LinuxSll2, frame));
    }

    [Fact]
    public void Bsd_loopback_frames()
    {
        Assert.True(Keeps("udp and host 198.18.0.1", LinkType.Null, Frames.Null(2, Udp4)));
        foreach (uint inet6 in new uint[] { 24, 28, 30 })
            Assert.True(Keeps("ip6 and tcp", LinkType.Null, Frames.Null(inet6, Tcp6)));
        Assert.False(Keeps("ip6", LinkType.Null, Frames.Null(2, Udp4)));
        var bigEndian = new PcapFilterOptions { LinkType = LinkType.Null, LoopbackHeaderBigEndian = true };
        byte[] be = [0, 0, 0, 2, .. Udp4];
        Assert.NotEqual(0u, PcapFilter.Compile("ip", bigEndian).Run(be, (uint)be.Length));
    }

    [Fact]
    public void Vxlan_and_geneve_move_the_offsets_to_the_inner_frame()
    {
        byte[] inner = Frames.Ethernet(0x0800, Frames.Ipv4Udp(0xc6130001, 0xc6130002, 1, 53));
        byte[] vxlan = Frames.Tunnel(geneve: false, vni: 42, inner);
        byte[] geneve = Frames.Tunnel(geneve: true, vni: 42, inner);
        Assert.True(Keeps("vxlan 42 and udp port 53 and host 198.19.0.2", LinkType.Ethernet, vxlan));
        Assert.False(Keeps("vxlan 43", LinkType.Ethernet, vxlan));
        Assert.False(Keeps("vxlan and host 198.18.0.1", LinkType.Ethernet, vxlan));
        Assert.False(Keeps("vxlan", LinkType.Ethernet, geneve));
        Assert.True(Keeps("geneve 42 and udp port 53 and host 198.19.0.2", LinkType.Ethernet, geneve));
        Assert.False(Keeps("geneve", LinkType.Ethernet, vxlan));
    }

    [Theory]
    [InlineData(LinkType.Ieee80211)]
    [InlineData(LinkType.Ppp)]
    [InlineData(LinkType.Ieee80211Radiotap)]
    public void Other_link_types_are_refused_by_name(LinkType link)
    {
        var error = Assert.Throws<FilterExpressionException>(() => PcapFilter.Compile("ip", link));
        Assert.Contains($"not supported for link type {link}", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vlan", LinkType.LinuxSll, "no VLAN support for Linux cooked v1")]
    [InlineData("ether host 02:00:00:00:00:01", LinkType.Raw, "ethernet addresses supported only on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel")]
    [InlineData("inbound", LinkType.Raw, "inbound/outbound not supported on Raw IP when reading savefiles")]
    [InlineData("broadcast", LinkType.Ipv4, "not a broadcast link")]
    public void Link_specific_constructs_are_refused_where_they_do_not_apply(string expression, LinkType link, string reason)
    {
        var error = Assert.ThrowsAny<FilterExpressionException>(() => PcapFilter.Compile(expression, link));
        Assert.Equal(reason, error.Reason);
    }
}
