using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Links;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>Capture on a raw-IP link (a tun device, ARPHRD_NONE): IP-layer offset 0 and the raw automatic filter.</summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class RawIpLinkTests
{
    [Fact]
    public void Tun_device_is_raw_ip_with_offset_zero_and_captures_through_the_raw_auto_filter()
    {
        Privileges.RequireNetworkNamespaces();
        if (!File.Exists("/dev/net/tun")) Assert.Skip("This machine has no /dev/net/tun, so no tun device can be made.");
        using var net = new TestNetwork();
        string name = "sctun" + Environment.ProcessId % 10000;
        using TunDevice tun = net.Capture(() => new TunDevice(name));
        net.Ip($"-n {net.CaptureNamespace} link set {name} up");
        LinkInfo link = net.Capture(() => NetworkLinks.Get(name));
        Assert.Equal(HardwareType.None, link.HardwareType);
        Assert.Equal(LinkType.Raw, link.LinkType);
        Assert.Equal(0, link.IpLayerOffset);

        using RingSource ring = net.Capture(() => new RingSource(name, new RingOptions { AutoBpfFilter = true, BlockTimeout = TimeSpan.FromMilliseconds(10) }));
        using var reader = new CaptureReader(ring, 20, _ => true);
        for (int i = 0; i < 20; i++)
        {
            // (tun itself refuses anything but IPv4/IPv6, so the filter's drop side is covered by AutoFilterTests.)
            tun.Write(Frames.Udp(i, 100)[14..]);
        }
        List<CapturedFrame> frames = reader.Wait();
        Assert.Equal(20, frames.Count);
        Assert.All(frames, f =>
        {
            Assert.Equal(0x45, f.Data[0]);
            Assert.Equal(0, f.IpLayerOffset);
            Assert.Equal(LinkType.Raw, f.LinkType);
            Assert.Equal(PacketType.Host, f.Type);
        });
    }
}
