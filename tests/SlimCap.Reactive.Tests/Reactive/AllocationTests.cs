using System.Reactive.Concurrency;
using System.Reactive.Linq;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Reactive;

/// <summary>
/// Steady-state allocation checks: after a warm-up, a run of well over 100,000 packets must allocate nothing per packet
/// and, per block, no more than the block's own lease object (<see cref="LeaseObjectBytes"/>: every hand-out is its own
/// object, so a stale reference cannot reach a later lease) on the capture thread (blocks, enumeration, filters,
/// samplers, flattening) and process-wide for <c>await foreach</c>. Bytes are compared exactly, never divided.
/// </summary>
[Collection(nameof(AllocationCollection))]
public class AllocationTests
{
    private const long Packets = 240_000;
    private const long WarmUpPackets = 20_000;
    private const int PerBlock = 64;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const int LeaseObjectBytes = AllocationCollection.LeaseObjectBytes;

    private static void Report(string what, long bytes, long packets, long blocks) =>
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{what}: {bytes} bytes over {packets} packets in {blocks} blocks ({(double)bytes / packets:F4} B/packet, {(double)bytes / Math.Max(blocks, 1):F1} B/block)");

    /// <summary>
    /// At most one lease object per block and nothing else: with <see cref="PerBlock"/> packets a block, a single byte
    /// allocated per packet would exceed it. <paramref name="slack"/> covers a once-per-run cost (the end of an enumeration).
    /// </summary>
    private static void AssertAtMostTheLeasePerBlock(string what, long bytes, long packets, long blocks, long slack = 0)
    {
        Report(what, bytes, packets, blocks);
        Assert.True(blocks > 0 && packets >= blocks, $"{packets} packets in {blocks} blocks");
        Assert.True(bytes <= blocks * LeaseObjectBytes + slack,
            $"{what}: {bytes} bytes over {packets} packets in {blocks} blocks is more than one {LeaseObjectBytes}-byte lease object per block");
    }

    public static TheoryData<string> BlockPipelines => new() { "blocks", "type filter", "every n-th", "fraction", "by time", "stacked", "bpf", "bpf linux", "bpf stacked" };

    /// <summary>udp (IPv4 protocol byte 17): keeps the even flows.</summary>
    private static readonly BpfProgram Udp = new([BpfInstruction.LoadByteAbsolute(23), BpfInstruction.JumpIfEqual(17, 0, 1), BpfInstruction.Return(65535), BpfInstruction.Return(0)]);

    /// <summary>The kernel's view: ancillary packet type PACKET_HOST.</summary>
    private static readonly BpfProgram HostOnly = new([BpfInstruction.LoadWordAbsolute(BpfInstruction.AncillaryPacketType), BpfInstruction.JumpIfEqual(0, 0, 1), BpfInstruction.Return(65535), BpfInstruction.Return(0)]);

    private static IObservable<PacketBlock> Apply(string pipeline, IObservable<PacketBlock> s) => pipeline switch
    {
        "blocks" => s,
        "type filter" => s.WherePacketType(PacketTypes.Host | PacketTypes.Broadcast),
        "every n-th" => s.SampleEvery(3),
        "fraction" => s.SampleFraction(0.25, seed: 9),
        "by time" => s.SampleByTime(TimeSpan.FromHours(1), DefaultScheduler.Instance), // never ticks: every block supersedes the last
        "stacked" => s.WherePacketType(PacketTypes.Inbound).SampleEvery(2).SampleFraction(0.5, seed: 3),
        "bpf" => s.WhereBpf(Udp),
        "bpf linux" => s.WhereBpf(HostOnly, BpfDialect.Linux),
        "bpf stacked" => s.WherePacketType(PacketTypes.Inbound).WhereBpf(Udp).SampleEvery(2),
        _ => throw new ArgumentOutOfRangeException(nameof(pipeline)),
    };

    [Theory]
    [MemberData(nameof(BlockPipelines))]
    public async Task Block_pipeline_allocates_nothing_per_packet_on_the_capture_thread(string pipeline)
    {
        using var source = new TestCaptureSource(Packets, packetsPerBlock: PerBlock, poolBlocks: 4);
        var (allocated, packets, bytesRead) = await MeasureBlockPipelineAsync(source, pipeline);
        Assert.True(packets >= 100_000, $"measured {packets} packets");
        if (pipeline != "by time") Assert.True(bytesRead > 0);
        AssertAtMostTheLeasePerBlock(pipeline, allocated, packets, BlocksOf(packets, PerBlock));
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public async Task Packet_stream_operators_allocate_nothing_per_packet_on_the_capture_thread()
    {
        using var source = new TestCaptureSource(Packets, packetsPerBlock: PerBlock, poolBlocks: 4);
        long start = -1, end = -1, seen = 0, startAt = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable _ = source.ToObservable().Packets()
            .WherePacketType(PacketTypes.Host | PacketTypes.Outgoing)
            .SampleEvery(2)
            .SampleFraction(0.5, seed: 11)
            .Subscribe(p =>
            {
                seen += p.Data.Length > 0 ? 1 : 0;
                if (start < 0 && TestTraffic.IndexOf(p) >= WarmUpPackets)
                {
                    startAt = TestTraffic.IndexOf(p);
                    start = GC.GetAllocatedBytesForCurrentThread();
                }
            }, () =>
            {
                end = GC.GetAllocatedBytesForCurrentThread();
                done.SetResult();
            });
        await done.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.True(start >= 0 && seen > 0);
        AssertAtMostTheLeasePerBlock("Packets().WherePacketType().SampleEvery().SampleFraction()", end - start, Packets - startAt, BlocksOf(Packets - startAt, PerBlock));
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public async Task Await_foreach_allocates_nothing_per_packet_and_one_lease_object_per_block()
    {
        // Process-wide: includes the capture thread, the consumer thread's wake-ups and the enumerator's
        // continuations, and the enumerator's own disposal (stopping the capture allocates a little, once).
        // Other threads of the test host add noise, so the least of up to three runs counts (see the ring image test).
        (long Allocated, long Packets) least = (long.MaxValue, 0);
        for (int attempt = 0; attempt < ProcessWideAttempts; attempt++)
        {
            using var source = new TestCaptureSource(Packets, packetsPerBlock: PerBlock, poolBlocks: 6);
            var (allocated, count, packets, bytesRead) = await MeasureAwaitForeachAsync(source);
            Assert.Equal(Packets, count);
            Assert.True(bytesRead > 0);
            Assert.True(source.AllBlocksReturned);
            if (allocated < least.Allocated) least = (allocated, packets);
            if (allocated <= BlocksOf(packets, PerBlock) * LeaseObjectBytes + EndOfEnumerationSlack) break;
        }
        AssertAtMostTheLeasePerBlock("await foreach (process-wide, incl. end of enumeration, least of runs)", least.Allocated, least.Packets, BlocksOf(least.Packets, PerBlock), EndOfEnumerationSlack);
    }
    [Fact]
    public async Task Await_foreach_filters_and_samplers_allocate_nothing_per_packet()
    {
        using var source = new TestCaptureSource(Packets, packetsPerBlock: PerBlock, poolBlocks: 6);
        long start = -1, end, kept = 0;
        IAsyncEnumerable<PacketRef> query = source.ReadAllAsync(Ct)
            .WherePacketType(PacketTypes.Host | PacketTypes.Broadcast)
            .WhereBpf(Udp)
            .SampleEvery(2)
            .SampleFraction(0.5, seed: 5);
        long startIndex = 0;
        await foreach (PacketRef p in query.ConfigureAwait(false))
        {
            kept++;
            if (start < 0 && TestTraffic.IndexOf(p) >= WarmUpPackets)
            {
                startIndex = TestTraffic.IndexOf(p);
                start = GC.GetTotalAllocatedBytes(precise: true);
            }
        }
        end = GC.GetTotalAllocatedBytes(precise: true);
        long packets = Packets - startIndex;
        Assert.True(start >= 0 && kept > 0);
        AssertAtMostTheLeasePerBlock("await foreach .WherePacketType().WhereBpf().SampleEvery().SampleFraction() (process-wide)", end - start, packets, BlocksOf(packets, PerBlock), EndOfEnumerationSlack);
        Assert.True(source.AllBlocksReturned);
    }

    /// <summary>
    /// Runs <paramref name="pipeline"/> over the source's blocks and measures, on the capture thread, what was
    /// allocated from a warm block to the source's completion (taken upstream of the operators, since
    /// SampleByTime completes only at its next tick). The subscription is disposed before returning, which
    /// releases a block SampleByTime may still hold.
    /// </summary>
    private static async Task<(long Allocated, long Packets, long BytesRead)> MeasureBlockPipelineAsync(CaptureSource source, string pipeline)
    {
        long start = -1, end = -1, startPacket = 0, bytesRead = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        IObservable<PacketBlock> measured = source.ToObservable().Do(_ =>
        {
            if (start < 0 && source.Stats.PacketsReceived >= WarmUpPackets)
            {
                startPacket = source.Stats.PacketsReceived;
                start = GC.GetAllocatedBytesForCurrentThread();
            }
        }, () =>
        {
            end = GC.GetAllocatedBytesForCurrentThread();
            done.SetResult();
        });
        IDisposable subscription = Apply(pipeline, measured).Subscribe(block =>
        {
            foreach (PacketRef p in block) bytesRead += p.Data.Length; // read every packet the view shows
            block.Dispose();
        });
        await done.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        subscription.Dispose();
        Assert.True(start >= 0, "the pipeline never reached its warm-up");
        return (end - start, source.Stats.PacketsReceived - startPacket, bytesRead);
    }

    /// <summary>
    /// Blocks that <paramref name="packets"/> packets took, rounded up (a measurement window starts and ends part way
    /// through blocks), plus one for the block in hand when the window opened.
    /// </summary>
    private static long BlocksOf(long packets, long perBlock) => (packets + perBlock - 1) / perBlock + 1;

    /// <summary>What ending an enumeration costs once (stopping the capture thread, completing its tasks).</summary>
    private const long EndOfEnumerationSlack = 4096;

    /// <summary>Runs of a process-wide measurement, of which the least counts.</summary>
    private const int ProcessWideAttempts = 3;

    private const int RingImageBlockSize = 1 << 16;

    /// <summary>How many test frames one ring-image block holds.</summary>
    private static readonly int RingImagePerBlock = (RingImageBlockSize - 64) / new RingImageSource(RingImageBlockSize, 1).SlotSize(TestTraffic.FrameLength);

    /// <summary>A replaying ring image holding <see cref="TestTraffic"/> packets: an endless stream of real ring blocks.</summary>
    private static RingImageSource ReplayingRingImage(long packets)
    {
        const int BlockCount = 4;
        int perBlock = RingImagePerBlock;
        var image = new RingImageSource(RingImageBlockSize, BlockCount, replayLimit: packets / perBlock + 1);
        Span<byte> frame = stackalloc byte[TestTraffic.FrameLength];
        for (long i = 0; ; i++)
        {
            int length = TestTraffic.Write(i, frame);
            if (!image.TryAddPacket(frame[..length], TestTraffic.TypeOf(i), length, TestTraffic.TimestampOf(i))) break;
        }
        image.RetireBlock();
        return image;
    }

    [Theory]
    [InlineData("blocks")]
    [InlineData("stacked")]
    [InlineData("by time")]
    public async Task Ring_image_block_pipeline_allocates_nothing_per_packet_on_the_capture_thread(string pipeline)
    {
        using RingImageSource image = ReplayingRingImage(Packets);
        var (allocated, packets, _) = await MeasureBlockPipelineAsync(image, pipeline);
        Assert.True(packets >= 100_000, $"measured {packets} packets");
        AssertAtMostTheLeasePerBlock("ring image " + pipeline, allocated, packets, BlocksOf(packets, RingImagePerBlock));
        Assert.Equal(0, image.LeasedBlocks);
    }

    [Fact]
    public async Task Ring_image_blocks_allocate_only_their_lease_objects_while_a_meter_listener_counts_packets_and_bytes()
    {
        using var probe = new MeterProbe();
        using RingImageSource image = ReplayingRingImage(Packets);
        var (allocated, packets, _) = await MeasureBlockPipelineAsync(image, "blocks");
        Assert.True(packets >= 100_000, $"measured {packets} packets");
        Assert.True(image.BytesRead > 0, "the bytes instrument was not walked");
        AssertAtMostTheLeasePerBlock("ring image blocks, meter listening", allocated, packets, BlocksOf(packets, RingImagePerBlock));
    }

    [Fact]
    public async Task Ring_image_await_foreach_allocates_nothing_per_packet_and_one_lease_object_per_block()
    {
        // Process-wide counters also see other threads of the test host (a finished test's timers, the runner's
        // reporting): take the least of up to three runs. Noise only adds; a per-packet allocation adds to every run.
        (long Allocated, long Packets) least = (long.MaxValue, 0);
        for (int attempt = 0; attempt < ProcessWideAttempts; attempt++)
        {
            using RingImageSource image = ReplayingRingImage(Packets);
            var (allocated, _, packets, bytesRead) = await MeasureAwaitForeachAsync(image);
            Assert.True(packets >= 100_000 && bytesRead > 0);
            Assert.Equal(0, image.LeasedBlocks);
            if (allocated < least.Allocated) least = (allocated, packets);
            if (allocated <= BlocksOf(packets, RingImagePerBlock) * LeaseObjectBytes + EndOfEnumerationSlack) break;
        }
        AssertAtMostTheLeasePerBlock("ring image await foreach (process-wide, least of runs)", least.Allocated, least.Packets, BlocksOf(least.Packets, RingImagePerBlock), EndOfEnumerationSlack);
    }

    /// <summary>
    /// Enumerates <paramref name="source"/> with <c>await foreach</c> to its end; the process-wide bytes allocated
    /// from the <see cref="WarmUpPackets"/>-th packet on, over <c>packets</c> packets (of <c>count</c> in all).
    /// </summary>
    private static async Task<(long Allocated, long Count, long Packets, long BytesRead)> MeasureAwaitForeachAsync(CaptureSource source)
    {
        long start = -1, count = 0, startAt = 0, bytesRead = 0;
        await foreach (PacketRef p in source.ReadAllAsync(Ct).ConfigureAwait(false))
        {
            bytesRead += p.Data.Length;
            if (++count == WarmUpPackets)
            {
                startAt = count;
                start = GC.GetTotalAllocatedBytes(precise: true);
            }
        }
        long end = GC.GetTotalAllocatedBytes(precise: true);
        return (end - start, count, count - startAt, bytesRead);
    }

    public static TheoryData<string, string> PacketCalls => new()
    {
        { "socket batches", "callback" }, { "socket batches", "callback with state" }, { "socket batches", "dispatch" },
        { "socket batches", "packet ref" }, { "socket batches", "into a buffer" },
        { "ring image", "callback" }, { "ring image", "dispatch" }, { "ring image", "packet ref" },
    };

    /// <summary>
    /// The packet calls never hand their block out, so they carry each block's lease on the lease object of the block
    /// before (PacketBlock.Spare.cs): not even a lease object per block, on socket batches and on ring blocks alike.
    /// </summary>
    [Theory]
    [MemberData(nameof(PacketCalls))]
    public void Packet_calls_allocate_nothing_per_block(string storage, string call)
    {
        using CaptureSource source = storage == "ring image" ? ReplayingRingImage(Packets) : new TestCaptureSource(Packets, PerBlock);
        long bytesRead = 0;
        PacketCallback callback = (data, _, _, _) => bytesRead += data.Length;
        PacketCallback<long[]> withState = static (sum, data, _, _, _) => sum[0] += data.Length;
        var sums = new long[1];
        Span<byte> buffer = stackalloc byte[2048];
        long packets = 0, start = -1, startPackets = 0;
        while (true)
        {
            if (start < 0 && packets >= WarmUpPackets)
            {
                start = GC.GetAllocatedBytesForCurrentThread();
                startPackets = packets;
            }
            CaptureStatus status;
            int n = 1;
            switch (call)
            {
                case "callback": status = source.NextPacket(callback); break;
                case "callback with state": status = source.NextPacket(sums, withState); break;
                case "dispatch": status = source.Dispatch(callback, out n, maxPackets: 16); break;
                case "packet ref":
                    status = source.NextPacketRef(out PacketRef p);
                    if (status == CaptureStatus.Packet) bytesRead += p.Data.Length;
                    break;
                default:
                    status = source.NextPayload(buffer, out int written, out _);
                    bytesRead += written;
                    break;
            }
            if (status != CaptureStatus.Packet) break;
            packets += n;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - start;
        long measured = packets - startPackets;
        Report($"{call} over {storage}", allocated, measured, measured / (storage == "ring image" ? RingImagePerBlock : PerBlock));
        Assert.True(measured >= 200_000, $"measured {measured} packets");
        Assert.True(bytesRead + sums[0] > 0, "no packet was read");
        // Once-per-run costs only (the end of the source); a lease object per block would be tens of kilobytes here.
        Assert.True(allocated <= 1024, $"{call} over {storage}: {allocated} bytes over {measured} packets");
    }
}
