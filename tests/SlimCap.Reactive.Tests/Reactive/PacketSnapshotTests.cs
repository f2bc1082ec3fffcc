using System.Reactive.Linq;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Reactive;

/// <summary>Snapshots outlive their blocks with every value intact; Dump conventions never show a recycled block.</summary>
public sealed class PacketSnapshotTests
{
    private static (RingImageSource Image, byte[][] Frames) Image(int count)
    {
        var image = new RingImageSource(blockSize: 1 << 12, blockCount: 16);
        byte[][] frames = Enumerable.Range(0, count).Select(i => Frames.Udp(i, 60 + i * 13)).ToArray();
        for (int i = 0; i < count; i++)
            Assert.True(image.TryAddPacket(frames[i], i % 2 == 0 ? PacketType.Host : PacketType.Broadcast, frames[i].Length + 4, timestampNs: 1_000_000_000L * (i + 1), vlanTci: (ushort)(i == 3 ? 4 : 0), hasVlan: i == 3));
        image.RetireBlock();
        image.Complete();
        return (image, frames);
    }

    [Fact]
    public async Task Rx_snapshots_keep_every_packet_after_its_block_went_back()
    {
        var (image, frames) = Image(40);
        using (image)
        {
            IList<PacketSnapshot> kept = await image.ToObservable().Snapshots().ToList();
            Assert.Equal(0, image.LeasedBlocks);
            Assert.Equal(frames.Length, kept.Count);
            for (int i = 0; i < frames.Length; i++)
            {
                PacketSnapshot s = kept[i];
                Assert.Equal(frames[i], s.Data);
                Assert.Equal(frames[i].Length, s.CapturedLength);
                Assert.Equal(frames[i].Length + 4, s.TotalLength);
                Assert.Equal(1_000_000_000L * (i + 1), s.TimestampNanoseconds);
                Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(i + 1), s.Timestamp);
                Assert.Equal(i % 2 == 0 ? PacketType.Host : PacketType.Broadcast, s.Type);
                Assert.Equal(i == 3 ? 4 : null, s.VlanId);
                Assert.Equal(frames[i].AsSpan(14).ToArray(), s.IpLayer.ToArray());
            }
        }
    }

    [Fact]
    public async Task Async_snapshots_equal_the_rx_ones()
    {
        var (image, frames) = Image(25);
        using (image)
        {
            var kept = new List<PacketSnapshot>();
            await foreach (PacketSnapshot s in image.ReadAllAsync(TestContext.Current.CancellationToken).Snapshots()) kept.Add(s);
            Assert.Equal(frames, kept.Select(s => s.Data));
        }
    }

    [Fact]
    public void ToDump_shows_values_while_valid_and_says_released_after()
    {
        var (image, frames) = Image(3);
        using (image)
        {
            Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? block));
            PacketRef first = default;
            foreach (PacketRef p in block!)
            {
                first = p;
                break;
            }
            PacketSnapshot shown = Assert.IsType<PacketSnapshot>(first.ToDump());
            Assert.Equal(frames[0], shown.Data);
            PacketSnapshot[] all = Assert.IsType<PacketSnapshot[]>(block.ToDump());
            Assert.Equal(frames, all.Select(s => s.Data));
            block.Dispose();
            Assert.Contains("released", Assert.IsType<string>(first.ToDump()), StringComparison.Ordinal);
            Assert.Contains("released", Assert.IsType<string>(block.ToDump()), StringComparison.Ordinal);
            Assert.Throws<ObjectDisposedException>(() => first.Snapshot());
        }
    }
}
