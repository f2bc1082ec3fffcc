using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Ring;

/// <summary>The ring walker over heap images laid out as the kernel lays out TPACKET_V3 blocks (no privileges needed).</summary>
public sealed class RingImageTests
{
    private static List<byte[]> Fill(RingImageSource image, int count, Func<int, int>? size = null)
    {
        var sent = new List<byte[]>();
        for (int i = 0; i < count; i++)
        {
            byte[] frame = Frames.Udp(i, size?.Invoke(i) ?? 64 + i % 700);
            Assert.True(image.TryAddPacket(frame, (PacketType)(i % 5), frame.Length + i % 3, timestampNs: 1_700_000_000_000_000_000 + i * 1000L));
            sent.Add(frame);
        }
        return sent;
    }

    [Fact]
    public void Released_packet_ref_throws_instead_of_reading_the_recycled_block()
    {
        using var image = new RingImageSource(blockSize: 8192, blockCount: 2);
        Fill(image, 3);
        image.Complete();
        Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? block));
        PacketRef first = default;
        foreach (PacketRef p in block!) { first = p; break; }
        Assert.True(first.IsValid);
        Assert.Equal(0, Frames.SequenceOf(first.Data));
        block.Dispose();
        Assert.False(first.IsValid);
        Assert.Throws<ObjectDisposedException>(() => first.Data.Length);
        Assert.Throws<ObjectDisposedException>(() => block.GetEnumerator());
        block.Dispose(); // a second release of the same lease is a no-op
    }

    [Fact]
    public void Every_packet_in_order_across_wrap_around_with_metadata()
    {
        using var image = new RingImageSource(blockSize: 4096, blockCount: 3);
        var seen = new List<CapturedFrame>();
        var sent = new List<byte[]>();
        for (int round = 0; round < 20; round++)
        {
            // Fill what fits, then drain: blocks are reused in ring order, several laps over.
            for (int i = 0; i < 25; i++)
            {
                int n = sent.Count;
                byte[] frame = Frames.Udp(n, 60 + n % 300);
                if (!image.TryAddPacket(frame, PacketType.Host, frame.Length, 1_000_000_000L * (n + 1))) break;
                sent.Add(frame);
            }
            image.RetireBlock();
            while (seen.Count < sent.Count) Assert.True(TryRead(image, seen));
        }
        image.Complete();
        while (TryRead(image, seen)) { }
        Assert.Equal(sent.Count, seen.Count);
        Assert.True(sent.Count > 3 * 20, "the test should wrap around the ring many times");
        for (int i = 0; i < sent.Count; i++)
        {
            Assert.Equal(sent[i], seen[i].Data);
            Assert.Equal(i, seen[i].Sequence);
            Assert.Equal(1_000_000_000L * (i + 1), seen[i].TimestampNs);
            Assert.Equal(14, seen[i].IpLayerOffset);
        }
        Assert.Equal(0, image.LeasedBlocks);
    }

    private static bool TryRead(RingImageSource image, List<CapturedFrame> seen)
    {
        var status = image.NextBlock(out PacketBlock? block);
        if (status != CaptureStatus.Packet) return false;
        using (block) foreach (PacketRef p in block!) seen.Add(CapturedFrame.From(p));
        return true;
    }
}
