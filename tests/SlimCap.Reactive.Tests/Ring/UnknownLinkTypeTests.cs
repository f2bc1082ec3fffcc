using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Ring;

public sealed class UnknownLinkTypeTests
{
    [Fact]
    public void An_unknown_link_type_is_carried_through_with_an_unknown_offset_and_no_crash()
    {
        using var image = new RingImageSource(linkType: (LinkType)4242);
        Assert.True(image.TryAddPacket(Frames.Udp(1)));
        image.Complete();
        Assert.Equal(-1, image.IpLayerOffset);
        Assert.Equal(CaptureStatus.Packet, image.NextPacketRef(out PacketRef p));
        Assert.Equal((LinkType)4242, p.LinkType);
        Assert.Equal(-1, p.IpLayerOffset);
        Assert.True(p.IpLayer.IsEmpty);
        Assert.Equal(Frames.Udp(1), p.Data.ToArray());
        Assert.Equal("4242", LinkTypeInfo.Name((LinkType)4242));
    }
}
