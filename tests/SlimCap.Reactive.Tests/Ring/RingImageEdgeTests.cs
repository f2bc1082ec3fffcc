using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Ring;

public sealed class RingImageEdgeTests
{
    private static List<CapturedFrame> ReadAll(CaptureSource source)
    {
        var seen = new List<CapturedFrame>();
        while (source.NextBlock(out PacketBlock? block) == CaptureStatus.Packet)
            using (block) foreach (PacketRef p in block!) seen.Add(CapturedFrame.From(p));
        return seen;
    }

    [Fact]
    public void Empty_and_copy_blocks_are_skipped_and_given_back()
    {
        using var image = new RingImageSource(blockSize: 4096, blockCount: 4);
        Assert.True(image.TryAddPacket(Frames.Udp(0)));
        image.RetireBlock();
        image.RetireBlock(evenIfEmpty: true);
        Assert.True(image.TryAddPacket(Frames.Udp(99)));
        image.RetireBlockAsCopy();
        Assert.True(image.TryAddPacket(Frames.Udp(1)));
        image.Complete();
        List<CapturedFrame> seen = ReadAll(image);
        Assert.Equal([0L, 1L], seen.Select(f => f.Sequence));
        Assert.Equal(0, image.LeasedBlocks);
    }

    [Fact]
    public void Maximum_size_packets_fill_a_block_and_oversized_ones_are_refused()
    {
        const int blockSize = 1 << 17;
        using var image = new RingImageSource(blockSize: blockSize, blockCount: 3, snapLength: 65535);
        byte[] big = Frames.Udp(5, 65535);
        Random.Shared.NextBytes(big.AsSpan(60));
        Assert.Equal((82 + 65535 + 15) & ~15, image.SlotSize(big.Length)); // tpacket3_hdr + sockaddr_ll + MAC offset, TPACKET_ALIGNed
        Assert.True(image.TryAddPacket(big));
        Assert.True(image.TryAddPacket(big)); // two do not fit one 128 KiB block: this one opens the second
        Assert.True(image.TryAddPacket(big));
        Assert.False(image.TryAddPacket(big)); // every block is full and unread
        image.Complete();
        List<CapturedFrame> seen = ReadAll(image);
        Assert.Equal(3, seen.Count);
        Assert.All(seen, f => Assert.Equal(big, f.Data));

        using var small = new RingImageSource(blockSize: 4096, blockCount: 2, snapLength: 65535);
        Assert.False(small.TryAddPacket(new byte[5000])); // can never fit a 4 KiB block
    }

    [Fact]
    public void Snap_length_truncates_but_keeps_the_wire_length()
    {
        using var image = new RingImageSource(snapLength: 50);
        byte[] frame = Frames.Udp(1, 300);
        Assert.True(image.TryAddPacket(frame));
        image.Complete();
        CapturedFrame f = Assert.Single(ReadAll(image));
        Assert.Equal(frame.AsSpan(0, 50).ToArray(), f.Data);
        Assert.Equal(300, f.TotalLength);
    }

    [Fact]
    public void Every_read_style_gives_identical_bytes()
    {
        const int count = 400;
        RingImageSource Build()
        {
            var image = new RingImageSource(blockSize: 8192, blockCount: 64);
            for (int i = 0; i < count; i++) Assert.True(image.TryAddPacket(Frames.Udp(i, 60 + i % 200), (PacketType)(i % 5)));
            image.Complete();
            return image;
        }
        byte[][] expected;
        using (var image = Build()) expected = ReadAll(image).Select(f => f.Data).ToArray();
        Assert.Equal(count, expected.Length);

        var styles = new Dictionary<string, Func<CaptureSource, byte[]?>>
        {
            ["new"] = s => { s.NextPacket(out DetachedPacket? p); using (p) return p?.Data.ToArray(); },
            ["buffer"] = s => { var buffer = new byte[2048]; return s.NextPayload(buffer, out int n, out _) == CaptureStatus.Packet ? buffer[..n] : null; },
            ["zerocopy"] = s => s.NextPayloadZeroCopy(out ReadOnlySpan<byte> data, out _) == CaptureStatus.Packet ? data.ToArray() : null,
            ["ref"] = s => s.NextPacketRef(out PacketRef p) == CaptureStatus.Packet ? p.Data.ToArray() : null,
            ["callback"] = s => { byte[]? got = null; s.NextPacket((payload, _, _, _) => got = payload.ToArray()); return got; },
            ["callback-state"] = s => { var box = new byte[1][]; s.NextPacket(box, static (b, payload, _, _, _) => b[0] = payload.ToArray()); return box[0]; },
        };
        foreach (var (name, read) in styles)
        {
            using var image = Build();
            for (int i = 0; i < count; i++) Assert.True(expected[i].AsSpan().SequenceEqual(read(image)), $"style {name}, packet {i}");
            Assert.Null(read(image));
            Assert.Equal(0, image.LeasedBlocks);
        }

        using (var image = Build())
        {
            var buffer = new byte[2048];
            for (int i = 0; i < count; i++)
            {
                Assert.Equal(CaptureStatus.Packet, image.NextIPPacket(buffer, out int n, out PacketRef p));
                Assert.Equal(expected[i].AsSpan(14).ToArray(), buffer[..n]);
                Assert.Equal((PacketType)(i % 5), p.Type);
            }
        }
    }

    [Fact]
    public void The_block_lease_returns_on_the_read_after_its_last_packet()
    {
        using var image = new RingImageSource(blockSize: 4096, blockCount: 4);
        for (int i = 0; i < 3; i++) Assert.True(image.TryAddPacket(Frames.Udp(i)));
        image.RetireBlock();
        Assert.True(image.TryAddPacket(Frames.Udp(3)));
        image.Complete();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(CaptureStatus.Packet, image.NextPacketRef(out _));
            Assert.Equal(1, image.LeasedBlocks);
        }
        Assert.Equal(CaptureStatus.Packet, image.NextPacketRef(out PacketRef fourth));
        Assert.Equal(3, Frames.SequenceOf(fourth.Data));
        Assert.Equal(1, image.LeasedBlocks);
        Assert.Equal(CaptureStatus.Stopped, image.NextPacketRef(out _));
        Assert.Equal(0, image.LeasedBlocks);
        Assert.Throws<ObjectDisposedException>(() => fourth.Data.Length);
    }

    [Fact]
    public async Task A_ring_whose_blocks_are_all_leased_counts_starvation_and_resumes_on_release()
    {
        using var image = new RingImageSource(blockSize: 4096, blockCount: 2);
        Assert.True(image.TryAddPacket(Frames.Udp(0)));
        image.RetireBlock();
        Assert.True(image.TryAddPacket(Frames.Udp(1)));
        image.RetireBlock();
        Assert.False(image.TryAddPacket(Frames.Udp(2)), "both blocks are unread: the ring is full");
        Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? a));
        Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? b));
        Assert.True(image.TryAddPacket(Frames.Udp(2)) == false, "both blocks are leased: still full");
        var reader = Task.Run(() => image.NextBlock(out PacketBlock? c) == CaptureStatus.Packet ? c : null, TestContext.Current.CancellationToken);
        Assert.True(SpinWait.SpinUntil(() => image.ReaderWaiting, 10_000), "the reader never waited");
        Assert.False(reader.IsCompleted);
        b!.Dispose(); // out of order: the newer block first
        a!.Dispose();
        Assert.True(image.TryAddPacket(Frames.Udp(2)));
        image.RetireBlock();
        using PacketBlock? third = await reader;
        Assert.NotNull(third);
        Assert.Equal(1, image.Stats.RingStarvations);
        Assert.Equal(3, image.Stats.PacketsReceived);
    }

    [Fact]
    public async Task Unblock_and_dispose_wake_a_reader_waiting_on_an_image()
    {
        var image = new RingImageSource();
        var first = Task.Run(() => image.NextBlock(out _), TestContext.Current.CancellationToken);
        SpinWait.SpinUntil(() => image.ReaderWaiting, 10_000);
        image.Unblock();
        Assert.Equal(CaptureStatus.Unblocked, await first);
        var second = Task.Run(() => image.NextBlock(out _), TestContext.Current.CancellationToken);
        SpinWait.SpinUntil(() => image.ReaderWaiting, 10_000);
        image.Dispose();
        Assert.Equal(CaptureStatus.Stopped, await second);
        Assert.Throws<ObjectDisposedException>(() => image.NextBlock(out _));
        Assert.Throws<ObjectDisposedException>(() => image.NextPacketRef(out _));
    }
}
