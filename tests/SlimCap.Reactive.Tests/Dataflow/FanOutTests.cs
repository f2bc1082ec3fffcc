using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Dataflow;

public class FanOutTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A target that records the packet indices it sees, in order, and disposes each view.</summary>
    private sealed class Recorder
    {
        internal readonly List<long> Indices = new();
        internal int Blocks;
        internal ActionBlock<PacketBlock> Block { get; }

        internal Recorder(int boundedCapacity = 2, ManualResetEventSlim? gate = null, bool dispose = true, List<PacketBlock>? keep = null)
        {
            Block = new ActionBlock<PacketBlock>(b =>
            {
                gate?.Wait();
                foreach (PacketRef p in b) Indices.Add(TestTraffic.IndexOf(p));
                if (keep is not null) keep.Add(b);
                else if (dispose) b.Dispose();
                Volatile.Write(ref Blocks, Blocks + 1); // last: a test that sees the count sees the block kept or disposed
            }, new ExecutionDataflowBlockOptions { BoundedCapacity = boundedCapacity });
        }
    }

    [Fact]
    public async Task Broadcast_gives_every_target_every_packet_in_order_and_returns_every_block()
    {
        using var source = new TestCaptureSource(3000, packetsPerBlock: 16, poolBlocks: 4);
        var targets = new[] { new Recorder(), new Recorder(), new Recorder() };
        using var broadcaster = new PacketBroadcaster(targets.Select(t => t.Block));
        await broadcaster.RunAsync(source, Ct);
        await broadcaster.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var all = Enumerable.Range(0, 3000).Select(i => (long)i).ToList();
        Assert.All(targets, t => Assert.Equal(all, t.Indices));
        for (int i = 0; i < 3; i++) Assert.Equal(new FanOutTargetCounters((3000 + 15) / 16, 3000, 0, 0), broadcaster.GetCounters(i));
        Assert.True(source.AllBlocksReturned);
        Assert.False(source.IsDisposed);
    }

    [Fact]
    public async Task A_broadcast_block_returns_only_when_the_last_target_releases_its_view()
    {
        using var source = new TestCaptureSource(160, packetsPerBlock: 16, poolBlocks: 12);
        var kept = new List<PacketBlock>();
        var holder = new Recorder(boundedCapacity: 16, keep: kept);
        var quick = new Recorder();
        using var broadcaster = new PacketBroadcaster([holder.Block, quick.Block], new FanOutOptions { BoundedCapacity = 16 });
        await broadcaster.RunAsync(source, Ct);
        await broadcaster.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(160, quick.Indices.Count);
        Assert.Equal(10, kept.Count);
        Assert.Equal(2, source.FreeBlocks); // the quick target released its views; the holder's keep 10 blocks leased
        // Views are independent: reading the holder's view still works, the other target's views are gone.
        PacketBlock.Enumerator e = kept[0].GetEnumerator();
        Assert.True(e.MoveNext());
        Assert.Equal(0, TestTraffic.IndexOf(e.Current));
        foreach (PacketBlock b in kept) b.Dispose();
        Assert.True(source.AllBlocksReturned);
        Assert.Throws<ObjectDisposedException>(() => e.MoveNext());
    }

    [Fact]
    public async Task Partitions_see_each_flow_entirely_and_in_order_both_directions_together()
    {
        using var source = new TestCaptureSource(20_000, packetsPerBlock: 32, poolBlocks: 4);
        var targets = Enumerable.Range(0, 4).Select(_ => new Recorder()).ToArray();
        using var partitioner = new PacketPartitioner(targets.Select(t => t.Block));
        await partitioner.RunAsync(source, Ct);
        await partitioner.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var owner = new Dictionary<int, int>();
        for (int t = 0; t < targets.Length; t++)
        {
            List<long> seen = targets[t].Indices;
            Assert.Equal(seen.OrderBy(i => i), seen); // in capture order
            foreach (long i in seen)
            {
                int flow = TestTraffic.FlowOf(i);
                Assert.Equal(t, owner.TryGetValue(flow, out int o) ? o : owner[flow] = t); // a flow never splits
            }
        }
        // Every packet exactly once, and each flow's requests and replies together.
        Assert.Equal(Enumerable.Range(0, 20_000).Select(i => (long)i), targets.SelectMany(t => t.Indices).OrderBy(i => i));
        Assert.Equal(TestTraffic.FlowCount, owner.Count);
        Assert.True(owner.Values.Distinct().Count() > 1, "16 flows over 4 partitions should use more than one");
        long delivered = Enumerable.Range(0, 4).Sum(t => partitioner.GetCounters(t).PacketsDelivered);
        Assert.Equal(20_000, delivered);
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public async Task A_callers_key_selector_partitions_by_its_key()
    {
        using var source = new TestCaptureSource(1000, packetsPerBlock: 10);
        var targets = new[] { new Recorder(), new Recorder() };
        using var partitioner = new PacketPartitioner(targets.Select(t => t.Block),
            (in PacketRef p) => p.Type == PacketType.Outgoing ? 1UL : 0UL);
        await partitioner.RunAsync(source, Ct);
        await partitioner.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i).Where(i => TestTraffic.TypeOf(i) != PacketType.Outgoing), targets[0].Indices);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i).Where(i => TestTraffic.TypeOf(i) == PacketType.Outgoing), targets[1].Indices);
        Assert.True(source.AllBlocksReturned);
    }

    /// <summary>Where the symmetric 5-tuple key sends test packet <paramref name="i"/> among <paramref name="targets"/>.</summary>
    private static int ExpectedTarget(long i, int targets)
    {
        Span<byte> frame = stackalloc byte[TestTraffic.FrameLength];
        TestTraffic.Write(i, frame);
        return (int)(FlowKey.Symmetric5Tuple(frame[14..]) % (ulong)targets);
    }

    private static List<long>[] ExpectedPartitions(long count, int targets, Func<long, bool>? shown = null)
    {
        var lists = Enumerable.Range(0, targets).Select(_ => new List<long>()).ToArray();
        for (long i = 0; i < count; i++)
        {
            if (shown is null || shown(i)) lists[ExpectedTarget(i, targets)].Add(i);
        }
        return lists;
    }

    [Theory]
    [InlineData(2)] // a power of two: the target is the key's low bits
    [InlineData(3)] // otherwise key % count
    public async Task The_built_in_key_sends_each_ring_packet_where_its_key_says_as_a_delegate_does_for_other_blocks(int count)
    {
        // The default key takes the partitioner's own walk over ring blocks (no delegate, no PacketRef); the same key
        // through a caller's delegate takes the general walk, here over the test source's blocks. Both must agree with
        // key % count, packet by packet.
        List<long>[] expected = ExpectedPartitions(5000, count);
        Assert.All(expected, e => Assert.NotEmpty(e));

        using var feed = new RingImageFeed(5000, packetsPerBlock: 37, blockCount: 4);
        var ring = Enumerable.Range(0, count).Select(_ => new Recorder()).ToArray();
        using (var partitioner = new PacketPartitioner(ring.Select(t => t.Block)))
        {
            await partitioner.RunAsync(feed.Source, Ct);
            await partitioner.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        }
        using var source = new TestCaptureSource(5000, packetsPerBlock: 37);
        var records = Enumerable.Range(0, count).Select(_ => new Recorder()).ToArray();
        using (var partitioner = new PacketPartitioner(records.Select(t => t.Block), (in PacketRef p) => FlowKey.Symmetric5Tuple(in p)))
        {
            await partitioner.RunAsync(source, Ct);
            await partitioner.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        }
        for (int t = 0; t < count; t++)
        {
            Assert.Equal(expected[t], ring[t].Indices);
            Assert.Equal(expected[t], records[t].Indices);
        }
        Assert.True(feed.AllBlocksReturned);
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public async Task A_partition_view_partitions_again_and_every_lease_comes_back()
    {
        // Outer partitioner over ring blocks; each of its 2 targets posts its views into an inner partitioner of 3.
        // The inner ones read views that show part of a block (their walk jumps through the outer table of cursors).
        using var feed = new RingImageFeed(6000, packetsPerBlock: 50, blockCount: 4);
        var inner = new PacketPartitioner[2];
        var leaves = new Recorder[2][];
        for (int o = 0; o < 2; o++)
        {
            leaves[o] = [new Recorder(), new Recorder(), new Recorder()];
            inner[o] = new PacketPartitioner(leaves[o].Select(r => r.Block));
        }
        var outer = new[] { 0, 1 }.Select(o => new ActionBlock<PacketBlock>(view => inner[o].Post(view),
            new ExecutionDataflowBlockOptions { BoundedCapacity = 2 })).ToArray();
        using (var partitioner = new PacketPartitioner(outer))
        {
            await partitioner.RunAsync(feed.Source, Ct);
            await partitioner.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        }
        for (int o = 0; o < 2; o++)
        {
            inner[o].Complete();
            await inner[o].Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            inner[o].Dispose();
        }
        List<long>[] byOuter = ExpectedPartitions(6000, 2);
        for (int o = 0; o < 2; o++)
        {
            for (int t = 0; t < 3; t++)
            {
                // What reached leaf t of outer target o: the packets of o whose key % 3 is t, in order.
                Assert.Equal(byOuter[o].Where(i => ExpectedTarget(i, 3) == t), leaves[o][t].Indices);
            }
        }
        Assert.True(feed.AllBlocksReturned);
    }

    [Fact]
    public async Task A_partitioners_cursor_table_stays_with_a_block_until_its_last_view_is_disposed_then_serves_the_next_block()
    {
        // The partitioner notes where each packet of a whole block starts and leaves that table with the block's lease
        // for the targets' views; it must come back when the last view goes, and be reused rather than made anew.
        using var feed = new RingImageFeed(400, packetsPerBlock: 40, blockCount: 4);
        var kept = new[] { new List<PacketBlock>(), new List<PacketBlock>() };
        var targets = kept.Select(k => new Recorder(boundedCapacity: 16, keep: k)).ToArray();
        using var partitioner = new PacketPartitioner(targets.Select(t => t.Block));
        int views = 0;
        for (int round = 0; round < 10; round++)
        {
            Assert.Equal(CaptureStatus.Packet, feed.Source.NextBlock(out PacketBlock? block));
            Assert.True(partitioner.Post(block!));
            Assert.Equal(0, partitioner.CursorTables.FreeCount); // out with the block's views
            int[] shares = Enumerable.Range(round * 40, 40).Select(i => ExpectedTarget(i, 2)).Distinct().ToArray();
            Assert.Equal(2, shares.Length); // both targets get a view of every block (the traffic's flows alternate)
            views += 2;
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref targets[0].Blocks) + Volatile.Read(ref targets[1].Blocks) == views, TimeSpan.FromSeconds(10)));
            kept[0][round].Dispose();
            Assert.Equal(0, partitioner.CursorTables.FreeCount); // one view still holds the block
            kept[1][round].Dispose();
            Assert.Equal(1, partitioner.CursorTables.FreeCount); // back, for the next block
        }
        partitioner.Complete();
        await partitioner.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(Enumerable.Range(0, 400).Select(i => (long)i), targets.SelectMany(t => t.Indices).Order());
        Assert.True(feed.AllBlocksReturned);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_block_showing_a_filtered_view_is_partitioned_as_it_shows(bool ring)
    {
        // A block that already shows a view gets no cursor table: its partitions' views step over hidden packets.
        using var feed = ring ? new RingImageFeed(3000, packetsPerBlock: 30, blockCount: 4) : null;
        using var test = ring ? null : new TestCaptureSource(3000, packetsPerBlock: 30, poolBlocks: 4);
        CaptureSource source = ring ? feed!.Source : test!;
        var targets = new[] { new Recorder(), new Recorder(), new Recorder(), new Recorder() };
        using var partitioner = new PacketPartitioner(targets.Select(t => t.Block));
        int posted = 0;
        while (posted < 100 && source.NextBlock(out PacketBlock? block) == CaptureStatus.Packet)
        {
            var keep = new TypeSelector(PacketTypes.Host | PacketTypes.Broadcast);
            block!.Restrict(ref keep); // hides the outgoing quarter
            Assert.True(partitioner.Post(block));
            posted++;
        }
        partitioner.Complete();
        await partitioner.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(100, posted);
        List<long>[] expected = ExpectedPartitions(3000, 4, i => TestTraffic.TypeOf(i) != PacketType.Outgoing);
        for (int t = 0; t < 4; t++) Assert.Equal(expected[t], targets[t].Indices);
        Assert.True(ring ? feed!.AllBlocksReturned : test!.AllBlocksReturned);
    }

    [Fact]
    public async Task Drop_policy_disposes_and_counts_exactly_what_a_full_target_could_not_take()
    {
        const int Blocks = 60, PerBlock = 8;
        using var source = new TestCaptureSource(Blocks * PerBlock, packetsPerBlock: PerBlock, poolBlocks: Blocks);
        using var gate = new ManualResetEventSlim(false);
        var stalled = new Recorder(boundedCapacity: 1, gate: gate);
        var quick = new Recorder(boundedCapacity: 1000);
        using var broadcaster = new PacketBroadcaster([stalled.Block, quick.Block],
            new FanOutOptions { BoundedCapacity = 3, BackPressure = BackPressurePolicy.Drop });
        for (int i = 0; i < Blocks; i++)
        {
            Assert.Equal(CaptureStatus.Packet, source.NextBlock(out PacketBlock? block));
            Assert.True(broadcaster.Post(block!));
        }
        // The stalled target holds at most 1 (its own capacity) + 3 (our buffer) blocks; the rest were dropped at once.
        FanOutTargetCounters dropped = broadcaster.GetCounters(0);
        Assert.InRange(dropped.BlocksDelivered, 3, 4);
        Assert.Equal(Blocks, dropped.BlocksDelivered + dropped.BlocksDropped);
        Assert.Equal(dropped.BlocksDropped * PerBlock, dropped.PacketsDropped);
        broadcaster.Complete();
        gate.Set();
        await broadcaster.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        // Exact for both targets: each received exactly what was counted delivered, the rest was counted dropped,
        // and every dropped view was disposed (all blocks are back).
        Assert.Equal(broadcaster.GetCounters(0), dropped);
        Assert.Equal(dropped.BlocksDelivered, stalled.Blocks);
        FanOutTargetCounters other = broadcaster.GetCounters(1);
        Assert.Equal(other.BlocksDelivered, quick.Blocks);
        Assert.Equal(other.PacketsDelivered, quick.Indices.Count);
        Assert.Equal(Blocks, other.BlocksDelivered + other.BlocksDropped);
        Assert.Equal(Blocks * PerBlock, other.PacketsDelivered + other.PacketsDropped);
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public async Task Wait_policy_drops_nothing_and_makes_the_capture_thread_wait_for_room()
    {
        using var source = new TestCaptureSource(2000, packetsPerBlock: 10, poolBlocks: 4);
        using var gate = new ManualResetEventSlim(false);
        var slow = new Recorder(boundedCapacity: 1, gate: gate);
        using var partitioner = new PacketPartitioner([slow.Block], new FanOutOptions { BoundedCapacity = 1 });
        Task run = partitioner.RunAsync(source, Ct);
        // With the target stalled, the capture thread waits for room: one block in the target, one in the buffer,
        // one waiting to enter it. It reads no further (a kernel ring would fill and drop meanwhile).
        Assert.True(SpinWait.SpinUntil(() => source.BlocksServed == 3, 10_000));
        Thread.Sleep(50);
        Assert.Equal(3, source.BlocksServed);
        Assert.Equal(0, partitioner.GetCounters(0).BlocksDropped);
        gate.Set();
        await run.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await partitioner.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => (long)i), slow.Indices);
        Assert.Equal(new FanOutTargetCounters(200, 2000, 0, 0), partitioner.GetCounters(0));
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public async Task Cancelling_the_capture_stops_a_waiting_producer_and_returns_every_block()
    {
        using var source = new TestCaptureSource(1_000_000, packetsPerBlock: 10, poolBlocks: 4, waitAtEnd: true);
        using var gate = new ManualResetEventSlim(false);
        var slow = new Recorder(boundedCapacity: 1, gate: gate);
        using var partitioner = new PacketPartitioner([slow.Block], new FanOutOptions { BoundedCapacity = 1 });
        using var cts = new CancellationTokenSource();
        Task run = partitioner.RunAsync(source, cts.Token);
        Assert.True(SpinWait.SpinUntil(() => source.BlocksServed == 3, 10_000)); // the producer waits for room
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        gate.Set();
        await partitioner.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        FanOutTargetCounters c = partitioner.GetCounters(0);
        Assert.Equal(c.BlocksDelivered, slow.Blocks);
        Assert.True(source.AllBlocksReturned);
        Assert.False(source.IsDisposed);
    }

    [Fact]
    public async Task Capture_failure_completes_targets_with_what_they_hold_and_faults_Completion()
    {
        using var source = new TestCaptureSource(1000, packetsPerBlock: 10, failAfterBlocks: 7);
        var target = new Recorder();
        using var broadcaster = new PacketBroadcaster([target.Block]);
        await Assert.ThrowsAsync<CaptureException>(() => broadcaster.RunAsync(source, Ct));
        await Assert.ThrowsAsync<CaptureException>(() => broadcaster.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(Enumerable.Range(0, 70).Select(i => (long)i), target.Indices);
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public async Task A_throwing_key_selector_faults_the_run_without_leaking_leases()
    {
        using var source = new TestCaptureSource(1000, packetsPerBlock: 10);
        var target = new Recorder();
        var boom = new InvalidOperationException("bad key");
        using var partitioner = new PacketPartitioner([target.Block, new Recorder().Block],
            (in PacketRef p) => TestTraffic.IndexOf(p) == 55 ? throw boom : 0UL);
        Assert.Same(boom, await Assert.ThrowsAsync<InvalidOperationException>(() => partitioner.RunAsync(source, Ct)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => partitioner.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), target.Indices);
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public async Task A_target_that_ends_early_gets_nothing_more_and_its_leases_are_not_stranded()
    {
        using var source = new TestCaptureSource(500, packetsPerBlock: 10, poolBlocks: 4);
        var early = new Recorder();
        var rest = new Recorder();
        early.Block.Complete();
        await early.Block.Completion;
        using var broadcaster = new PacketBroadcaster([early.Block, rest.Block]);
        await broadcaster.RunAsync(source, Ct);
        await broadcaster.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Empty(early.Indices);
        Assert.Equal(new FanOutTargetCounters(0, 0, 50, 500), broadcaster.GetCounters(0));
        Assert.Equal(500, rest.Indices.Count);
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public void Arguments_are_validated()
    {
        var ok = new ActionBlock<PacketBlock>(b => b.Dispose());
        Assert.Throws<ArgumentNullException>(() => new PacketBroadcaster(null!));
        Assert.Throws<ArgumentException>(() => new PacketBroadcaster([]));
        Assert.Throws<ArgumentException>(() => new PacketPartitioner([ok, null!]));
        Assert.Throws<ArgumentNullException>(() => new PacketPartitioner([ok], (FlowKeySelector)null!));
        Assert.Throws<InvalidCaptureOptionException>(() => new PacketBroadcaster([ok], new FanOutOptions { BoundedCapacity = 0 }));
        using var b = new PacketBroadcaster([ok]);
        Assert.Throws<ArgumentOutOfRangeException>(() => b.GetCounters(1));
        Assert.Throws<ArgumentNullException>(() => b.Post(null!));
    }
}
