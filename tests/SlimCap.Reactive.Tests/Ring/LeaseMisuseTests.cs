using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Ring;

public sealed class LeaseMisuseTests
{
    [Fact]
    public void Ring_memory_is_never_handed_out_writable_and_bytes_is_read_only()
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
    public void Released_twice_or_from_another_thread_is_a_no_op_and_never_releases_another_lease()
    {
        using var image = new RingImageSource(blockSize: 4096, blockCount: 2);
        Assert.True(image.TryAddPacket(Frames.Udp(0)));
        image.RetireBlock();
        Assert.True(image.TryAddPacket(Frames.Udp(1)));
        image.RetireBlock();
        Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? first));
        Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? second));
        // Released on another thread, then again here, many times at once: one release in all.
        Parallel.For(0, 16, _ => first!.Dispose());
        first!.Dispose();
        Assert.Equal(1, image.LeasedBlocks);
        Assert.True(second!.IsLeased);

        // The ring fills first's block again and leases it anew: the stale reference to the old lease, disposed again
        // (also from other threads), must not end the new lease of the same memory, nor read it.
        Assert.True(image.TryAddPacket(Frames.Udp(2)));
        image.Complete();
        Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? third));
        Assert.Equal(2, image.LeasedBlocks);
        Parallel.For(0, 16, _ => first.Dispose());
        Assert.Equal(2, image.LeasedBlocks);
        Assert.True(third!.IsLeased);
        Assert.False(first.IsLeased);
        Assert.Throws<ObjectDisposedException>(() => first.Bytes);
        Assert.Equal([2L], SequencesOf(third));
        Assert.Equal([1L], SequencesOf(second));
        second.Dispose();
        third.Dispose();
        Assert.Equal(0, image.LeasedBlocks);
    }

    private static List<long> SequencesOf(PacketBlock block)
    {
        var sequences = new List<long>();
        foreach (PacketRef p in block) sequences.Add(Frames.SequenceOf(p.Data));
        return sequences;
    }
}
