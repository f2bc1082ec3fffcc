using System.Buffers.Binary;
using System.Reactive.Linq;
using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Ring;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Ring;

/// <summary>
/// A ring block whose third packet header points outside the block (its MAC offset or its snap length too large):
/// every walk of the block (packet reads, the callback's walk, the operators' type-only walk, the partitioner's
/// visit and its views' skips) stops before that packet, and none reads beyond the block.
/// </summary>
public class DamagedHeaderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Damages => ["mac", "snap"];

    /// <summary>A completed one-block image of packets 0..5 whose packet 2 has the given damage.</summary>
    private static RingImageSource Image(string damage)
    {
        var image = new RingImageSource(blockSize: 8192, blockCount: 2);
        Span<byte> bytes = stackalloc byte[4];
        for (int i = 0; i < 6; i++)
        {
            Assert.True(image.TryAddPacket(Frames.Udp(i), PacketType.OtherHost));
            if (i != 2) continue;
            if (damage == "mac")
            {
                BinaryPrimitives.WriteUInt16LittleEndian(bytes, 0xFFFF);
                image.PatchLastHeaderForTests(TPacketV3.HdrMac, bytes[..2]);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, 0x7FFF_FFFF);
                image.PatchLastHeaderForTests(TPacketV3.HdrSnaplen, bytes);
            }
        }
        image.Complete();
        return image;
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public void Packet_reads_and_the_callback_stop_before_the_damaged_header(string damage)
    {
        using (RingImageSource image = Image(damage))
        {
            var seen = new List<long>();
            while (image.NextPacketRef(out PacketRef p) == CaptureStatus.Packet) seen.Add(Frames.SequenceOf(p.Data));
            Assert.Equal([0, 1], seen);
        }
        using (RingImageSource image = Image(damage))
        {
            var seen = new List<long>();
            while (image.NextPacket(seen, static (list, payload, _, _, _) => list.Add(Frames.SequenceOf(payload))) == CaptureStatus.Packet) { }
            Assert.Equal([0, 1], seen);
        }
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task The_operators_type_only_walk_stops_there_too(string damage)
    {
        using RingImageSource image = Image(damage);
        var seen = new List<long>();
        await image.ToObservable().WherePacketType(PacketType.OtherHost).SampleEvery(1).Packets()
            .Do(p => seen.Add(Frames.SequenceOf(p.Data)))
            .LastOrDefaultAsync().RunAsync(Ct);
        await Task.Yield();
        Assert.Equal([0, 1], seen);
        Assert.Equal(0, image.LeasedBlocks);
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task The_partitioners_visit_and_its_views_stop_there_too(string damage)
    {
        using RingImageSource image = Image(damage);
        var seen = new List<long>();
        ActionBlock<PacketBlock> Target() => new(view =>
        {
            lock (seen) foreach (PacketRef p in view) seen.Add(Frames.SequenceOf(p.Data));
            view.Dispose();
        });
        using var partitioner = new PacketPartitioner([Target(), Target()]);
        await partitioner.RunAsync(image, Ct);
        await partitioner.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal([0, 1], seen.Order());
        Assert.Equal(0, image.LeasedBlocks);
    }
}
