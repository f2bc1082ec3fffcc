using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Links;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Links;

public sealed class LinkTableTests
{
    [Theory]
    [InlineData(HardwareType.Ethernet, LinkType.Ethernet, 14, AutoFilterKind.Ethernet)]
    [InlineData(HardwareType.Loopback, LinkType.Ethernet, 14, AutoFilterKind.Loopback)]
    [InlineData(HardwareType.Ppp, LinkType.Raw, 0, AutoFilterKind.RawIp)]
    [InlineData(HardwareType.IpIp, LinkType.Raw, 0, AutoFilterKind.RawIp)]
    [InlineData(HardwareType.Ip6Ip6, LinkType.Raw, 0, AutoFilterKind.RawIp)]
    [InlineData(HardwareType.Gre, LinkType.Raw, 0, AutoFilterKind.RawIp)]
    [InlineData(HardwareType.Gre6, LinkType.Raw, 0, AutoFilterKind.RawIp)]
    [InlineData(HardwareType.None, LinkType.Raw, 0, AutoFilterKind.RawIp)]
    [InlineData(HardwareType.LinuxSll2, LinkType.LinuxSll2, 20, AutoFilterKind.RawIp)]
    [InlineData((HardwareType)824, LinkType.Unknown, -1, AutoFilterKind.None)]
    [InlineData((HardwareType)32, LinkType.Unknown, -1, AutoFilterKind.None)]
    public void Hardware_types_map_to_link_types_and_offsets(HardwareType hardware, LinkType linkType, int offset, AutoFilterKind filter)
    {
        Assert.Equal(linkType, LinkInfo.LinkTypeFor(hardware));
        Assert.Equal(offset, LinkTypeInfo.IpLayerOffset(linkType));
        var link = new LinkInfo("x", 1, 1500, System.Net.NetworkInformation.PhysicalAddress.None, true, false, hardware, "up", 1);
        Assert.Equal(offset, link.IpLayerOffset);
        Assert.Equal(filter, link.AutoFilterKind);
    }

    [Fact]
    public void Loopback_is_described()
    {
        LinkInfo lo = NetworkLinks.Get("lo");
        Assert.Equal(HardwareType.Loopback, lo.HardwareType);
        Assert.Equal(1, lo.Index);
        Assert.True(lo.IsUp);
        Assert.False(lo.IsVlan);
        Assert.Equal(14, lo.IpLayerOffset);
        Assert.Contains(NetworkLinks.List(), l => l.Name == "lo");
    }

    [Fact]
    public void A_missing_interface_names_the_ones_that_exist()
    {
        var error = Assert.Throws<InterfaceNotFoundException>(() => NetworkLinks.Get("nope0"));
        Assert.Contains("lo", error.AvailableInterfaces);
        Assert.Contains("'nope0' does not exist", error.Message);
        Assert.Throws<InvalidInterfaceNameException>(() => NetworkLinks.Get("a/b"));
        Assert.Throws<InvalidInterfaceNameException>(() => NetworkLinks.Get("waytoolonginterfacename"));
        Assert.False(NetworkLinks.TryGet("", out _));
    }
}
