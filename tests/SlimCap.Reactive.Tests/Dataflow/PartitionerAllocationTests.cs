using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Dataflow;

/// <summary>What partitioning costs the producer's thread per block, in bytes, never divided (runs alone, as the other allocation tests).</summary>
[Collection(nameof(AllocationCollection))]
public class PartitionerAllocationTests
{
    private const int LeaseObjectBytes = AllocationCollection.LeaseObjectBytes;

    /// <summary>A once-per-run cost on the measured thread (the runtime installing a method's optimized code was seen once at 568 bytes); a byte per block of 800 exceeds it.</summary>
    private const int OnceSlack = 1024;

    [Fact]
    public void Partitioning_a_whole_block_allocates_only_one_view_lease_per_target()
    {
        // Each block's hashing walk notes every packet's cursor in a table that the block's lease keeps for the views;
        // the table comes from the partitioner's pool and goes back with the lease, so after a warm-up nothing but one
        // view per target is allocated: a table or an array per block would exceed it.
        const int PerBlock = 32, BlockCount = 4, WarmUpRounds = 20, Rounds = 200, Targets = 2;
        using var source = new RingImageSource(blockSize: 8192, blockCount: BlockCount);
        var targets = Enumerable.Range(0, Targets).Select(_ => new DisposingTarget()).ToArray();
        using var partitioner = new PacketPartitioner(targets);
        Span<byte> frame = stackalloc byte[TestTraffic.FrameLength];
        long packet = 0, allocated = 0, blocks = 0;
        for (int round = 0; round < WarmUpRounds + Rounds; round++)
        {
            for (int b = 0; b < BlockCount; b++)
            {
                for (int i = 0; i < PerBlock; i++, packet++)
                {
                    int length = TestTraffic.Write(packet, frame);
                    Assert.True(source.TryAddPacket(frame[..length], TestTraffic.TypeOf(packet), length, TestTraffic.TimestampOf(packet)));
                }
                source.RetireBlock();
            }
            for (int b = 0; b < BlockCount; b++)
            {
                if (source.NextBlock(out PacketBlock? block) != CaptureStatus.Packet) Assert.Fail("the ring image had no block ready");
                long before = GC.GetAllocatedBytesForCurrentThread();
                bool posted = partitioner.Post(block!);
                long after = GC.GetAllocatedBytesForCurrentThread();
                Assert.True(posted);
                if (round < WarmUpRounds) continue;
                allocated += after - before;
                blocks++;
            }
        }
        Assert.Equal(packet, targets.Sum(t => t.Packets)); // every packet reached a target (the views were read and disposed)
        Assert.True(targets.All(t => t.Blocks >= blocks)); // every target had a share of every block (the traffic's flows alternate)
        long perBlock = Targets * LeaseObjectBytes; // the block itself was leased before, by NextBlock
        TestContext.Current.TestOutputHelper?.WriteLine($"{allocated} bytes over {blocks} blocks ({(double)allocated / blocks:F1} B/block; views: {perBlock} B/block)");
        Assert.True(allocated <= blocks * perBlock + OnceSlack, $"{allocated} bytes over {blocks} blocks is more than {perBlock} bytes (one view per target) per block");
        Assert.Equal(1, partitioner.CursorTables.FreeCount); // one table served every block
    }
}
