using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Ring;

public sealed class LeaseMisuseTests
{
    [Fact]
    public void RingMemoryIsNeverHandedOutWritableAndBytesIsReadOnly()
    {
        using var image = new RingImageSource();
        Assert.True(image.TryAddPacket(Frames.Udp(1)));
        image.Complete();
        Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? block));
        using (block)
        {
            Assert.Throws<NotSupportedException>(() => ((System.Buffers.IMemoryOwner<byte>)block!).Memory);
            Assert.Equal(4096 * 16, block!.Bytes.Length);
        }
        Assert.Throws<ObjectDisposedException>(() => block.Bytes);
    }

    [Fact]
    public void ReleasedTwiceOrFromAnotherThreadIsANoOpAndNeverReleasesAnotherLease()
    {
        using var image = new RingImageSource(blockSize: 4096, blockCount: 2);
        Assert.True(image.TryAddPacket(Frames.Udp(0)));
        image.RetireBlock();
        Assert.True(image.TryAddPacket(Frames.Udp(1)));
        image.Complete();
        Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? first));
        Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? second));
        // Released on another thread, then again here, many times at once: one release in all.
        Parallel.For(0, 16, _ => first!.Dispose());
        first!.Dispose();
        Assert.Equal(1, image.LeasedBlocks);
        Assert.True(second!.IsLeased);
        PacketRef p = default;
        foreach (PacketRef q in second) p = q;
        Assert.Equal(1, Frames.SequenceOf(p.Data));
        second.Dispose();
        Assert.Equal(0, image.LeasedBlocks);
    }
}
