using System.Reactive.Linq;
using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Reactive;

/// <summary>
/// The behavioural suite again over the ring image (the kernel's TPACKET_V3 layout walked by the ring reader), so the
/// lease rules hold for real ring blocks: every packet once and in order, every block back with the "kernel".
/// </summary>
public class RingImageSuiteTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IEnumerable<long> All(long count) => Enumerable.Range(0, (int)count).Select(i => (long)i);

    [Fact]
    public async Task Observable_sees_every_packet_once_in_order_and_every_ring_block_returns()
    {
        using var feed = new RingImageFeed(5000, packetsPerBlock: 20, blockCount: 3);
        var recorder = new BlockRecorder();
        using (feed.Source.ToObservable().Subscribe(recorder)) await recorder.WaitDoneAsync();
        Assert.True(recorder.Completed);
        Assert.Equal(All(5000), recorder.Indices);
        Assert.True(feed.AllBlocksReturned);
    }

    [Fact]
    public async Task Filters_and_Packets_keep_the_lease_rules_on_ring_blocks()
    {
        using var feed = new RingImageFeed(3000, packetsPerBlock: 7, blockCount: 3);
        var seen = new List<long>();
        PacketRef previous = default;
        await feed.Source.ToObservable().WherePacketType(PacketTypes.Outgoing | PacketTypes.Broadcast).Packets()
            .Do(p =>
            {
                seen.Add(TestTraffic.IndexOf(p));
                if (!previous.IsEmpty && !previous.IsValid) Assert.Throws<ObjectDisposedException>(() => previous.Data.Length);
                previous = p;
            })
            .LastOrDefaultAsync().RunAsync(Ct);
        await Task.Yield();
        Assert.Equal(All(3000).Where(i => TestTraffic.TypeOf(i) != PacketType.Host), seen);
        Assert.True(feed.AllBlocksReturned);
    }

    [Theory]
    [InlineData(150, 1)]
    [InlineData(150, 3)]
    [InlineData(64, 5)]
    [InlineData(129, 2)]
    public async Task Chained_type_filter_and_sampling_match_the_model_across_bitmap_words(int packetsPerBlock, long n)
    {
        // Blocks larger than one 64-packet word of the view bitmap, so the operators' type-only walk and their
        // word-at-a-time bitmap writes are checked against a plain model at every word boundary.
        using var feed = new RingImageFeed(3000, packetsPerBlock, blockCount: 3, blockSize: 65536);
        var seen = new List<long>();
        await feed.Source.ToObservable()
            .WherePacketType(PacketTypes.Outgoing | PacketTypes.Broadcast | PacketTypes.Host)
            .SampleEvery(n)
            .WherePacketType(PacketTypes.Outgoing | PacketTypes.Broadcast)
            .Packets()
            .Do(p => seen.Add(TestTraffic.IndexOf(p)))
            .LastOrDefaultAsync().RunAsync(Ct);
        await Task.Yield();
        long[] expected = All(3000)
            .Where(i => TestTraffic.TypeOf(i) is PacketType.Outgoing or PacketType.Broadcast or PacketType.Host)
            .Where((_, k) => (k + 1) % n == 0)
            .Where(i => TestTraffic.TypeOf(i) is PacketType.Outgoing or PacketType.Broadcast)
            .ToArray();
        Assert.Equal(expected, seen);
        Assert.True(feed.AllBlocksReturned);
    }

    [Fact]
    public async Task Await_foreach_break_and_cancel_return_every_ring_block()
    {
        using var feed = new RingImageFeed(100_000, packetsPerBlock: 16, blockCount: 4, complete: false);
        long expected = 0;
        await foreach (PacketRef p in feed.Source.ReadAllAsync(Ct))
        {
            Assert.Equal(expected++, TestTraffic.IndexOf(p));
            if (expected == 2000) break;
        }
        Assert.True(feed.AllBlocksReturned);

        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (PacketRef p in feed.Source.ReadAllAsync(2, cts.Token))
            {
                Assert.True(TestTraffic.IndexOf(p) >= 2000);
                if (TestTraffic.IndexOf(p) == 5000) cts.Cancel();
            }
        });
        Assert.True(feed.AllBlocksReturned);
    }

    [Fact]
    public async Task Partitioned_fan_out_over_ring_blocks_keeps_flows_whole_and_in_order()
    {
        using var feed = new RingImageFeed(8000, packetsPerBlock: 32, blockCount: 4);
        var parts = Enumerable.Range(0, 3).Select(_ => new List<long>()).ToArray();
        var targets = parts.Select(list => new ActionBlock<PacketBlock>(b =>
        {
            foreach (PacketRef p in b) list.Add(TestTraffic.IndexOf(p));
            b.Dispose();
        }, new ExecutionDataflowBlockOptions { BoundedCapacity = 2 })).ToArray();
        using var partitioner = new PacketPartitioner(targets);
        await partitioner.RunAsync(feed.Source, Ct);
        await partitioner.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var owner = new Dictionary<int, int>();
        for (int t = 0; t < parts.Length; t++)
        {
            Assert.Equal(parts[t].OrderBy(i => i), parts[t]);
            foreach (long i in parts[t]) Assert.Equal(t, owner.TryGetValue(TestTraffic.FlowOf(i), out int o) ? o : owner[TestTraffic.FlowOf(i)] = t);
        }
        Assert.Equal(All(8000), parts.SelectMany(p => p).OrderBy(i => i));
        Assert.True(feed.AllBlocksReturned);
    }

    [Fact]
    public async Task Observer_exception_on_a_ring_block_releases_it()
    {
        using var feed = new RingImageFeed(1000, packetsPerBlock: 10, blockCount: 3);
        var boom = new InvalidOperationException("observer bug");
        using var probe = new ObserverFaultProbe(boom);
        using IDisposable _ = feed.Source.ToObservable().Packets().Subscribe(p =>
        {
            if (TestTraffic.IndexOf(p) == 42) throw boom;
        });
        await probe.Fault.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.True(feed.AllBlocksReturned);
    }
}
