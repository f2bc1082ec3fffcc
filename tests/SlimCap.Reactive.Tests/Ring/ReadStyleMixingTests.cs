using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Ring;

public sealed class ReadStyleMixingTests
{
    [Fact]
    public void Next_block_refuses_to_interleave_with_a_partly_read_block()
    {
        using var image = new RingImageSource();
        for (int i = 0; i < 3; i++) Assert.True(image.TryAddPacket(Frames.Udp(i)));
        image.RetireBlock();
        Assert.True(image.TryAddPacket(Frames.Udp(3)));
        image.Complete();
        Assert.Equal(CaptureStatus.Packet, image.NextPacketRef(out _));
        Assert.Throws<InvalidOperationException>(() => image.NextBlock(out _));
        Assert.Equal(CaptureStatus.Packet, image.NextPacketRef(out PacketRef second));
        Assert.Equal(1, Frames.SequenceOf(second.Data));
    }
}
