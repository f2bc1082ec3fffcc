using System.Reactive.Linq;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Reactive;

public class OperatorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Runs <paramref name="query"/> over a fresh file-like source and returns the packet indices seen, checking every block came back.</summary>
    private static async Task<List<long>> Run(long count, int perBlock, Func<IObservable<PacketBlock>, IObservable<PacketBlock>> query)
    {
        using var source = new TestCaptureSource(count, packetsPerBlock: perBlock, poolBlocks: 3);
        var recorder = new BlockRecorder();
        using (query(source.ToObservable()).Subscribe(recorder)) await recorder.WaitDoneAsync();
        Assert.Null(recorder.Error);
        Assert.True(recorder.Completed);
        Assert.True(source.AllBlocksReturned);
        return recorder.Indices;
    }

    private static async Task<List<long>> RunPackets(long count, int perBlock, Func<IObservable<PacketRef>, IObservable<PacketRef>> query)
    {
        using var source = new TestCaptureSource(count, packetsPerBlock: perBlock, poolBlocks: 3);
        var seen = new List<long>();
        await query(source.ToObservable().Packets()).Do(p => seen.Add(TestTraffic.IndexOf(p))).LastOrDefaultAsync().RunAsync(Ct);
        await Task.Yield(); // RunAsync may resume on the capture thread: leave it before waiting for the capture to end
        Assert.True(source.AllBlocksReturned);
        return seen;
    }

    private static IEnumerable<long> Where(long count, Func<long, bool> keep) =>
        Enumerable.Range(0, (int)count).Select(i => (long)i).Where(keep);

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public async Task A_fused_chain_keeps_exactly_what_separate_stages_keep_and_restarts_per_subscription(int perBlock)
    {
        // Rx's identity Select between the operators keeps them apart (one walk each); without it they fuse into one.
        IObservable<PacketBlock> Chain(IObservable<PacketBlock> s, bool separate)
        {
            IObservable<PacketBlock> Cut(IObservable<PacketBlock> o) => separate ? o.Select(b => b) : o;
            return Cut(Cut(Cut(s.WherePacketType(PacketTypes.Outgoing | PacketTypes.Broadcast | PacketTypes.Host))
                .SampleEvery(3)).SampleFraction(0.5, seed: 42)).WherePacketType(PacketTypes.Outgoing | PacketTypes.Host);
        }
        List<long> separate = await Run(3000, perBlock, s => Chain(s, separate: true));
        Assert.NotEmpty(separate);
        Assert.Equal(separate, await Run(3000, perBlock, s => Chain(s, separate: false)));

        // One fused observable over a cold capture, subscribed twice: each subscription counts and draws afresh.
        var sources = new List<TestCaptureSource>();
        IObservable<PacketBlock> fused = Chain(CaptureObservable.Create(() =>
        {
            var source = new TestCaptureSource(3000, packetsPerBlock: perBlock, poolBlocks: 3);
            lock (sources) sources.Add(source);
            return source;
        }), separate: false);
        for (int pass = 0; pass < 2; pass++)
        {
            var recorder = new BlockRecorder();
            using (fused.Subscribe(recorder)) await recorder.WaitDoneAsync();
            Assert.True(recorder.Completed);
            Assert.Equal(separate, recorder.Indices);
        }
        Assert.Equal(2, sources.Count);
        Assert.All(sources, s => Assert.True(s.AllBlocksReturned));
    }

    [Fact]
    public async Task WherePacketType_narrows_blocks_in_place_and_disposes_emptied_ones()
    {
        Assert.Equal(Where(1000, i => TestTraffic.TypeOf(i) == PacketType.Outgoing),
            await Run(1000, 10, s => s.WherePacketType(PacketType.Outgoing)));
        Assert.Equal(Where(1000, i => TestTraffic.TypeOf(i) != PacketType.Host),
            await Run(1000, 10, s => s.WherePacketType(PacketTypes.Outgoing | PacketTypes.Broadcast)));
        // Blocks of one packet: three in four are emptied by the filter and must be disposed, not forwarded.
        int forwarded = 0;
        Assert.Equal(Where(400, i => TestTraffic.TypeOf(i) == PacketType.Outgoing),
            await Run(400, 1, s => s.WherePacketType(PacketType.Outgoing).Do(_ => forwarded++)));
        Assert.Equal(100, forwarded);
        // Stacked filters compose on the same lease.
        Assert.Empty(await Run(100, 10, s => s.WherePacketType(PacketTypes.Host).WherePacketType(PacketType.Outgoing)));
    }

    [Fact]
    public async Task WherePacketType_filters_a_block_view_without_copying()
    {
        using var source = new TestCaptureSource(16, packetsPerBlock: 16);
        var done = new TaskCompletionSource();
        using IDisposable _ = source.ToObservable().WherePacketType(PacketType.Broadcast).Subscribe(b =>
        {
            Assert.Equal(4, b.PacketCount);
            Assert.Equal(16, b.RawPacketCount);
            int offset = 0;
            foreach (PacketRef p in b)
            {
                // The packet's bytes are the block's own memory: no copy was made.
                Assert.True(b.Bytes.Span.Overlaps(p.Data, out offset));
            }
            Assert.True(offset > 0);
            b.Dispose();
        }, () => done.SetResult());
        await done.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    [Fact]
    public async Task Packet_stream_type_filter_matches_the_block_filter()
    {
        Assert.Equal(Where(1000, i => TestTraffic.TypeOf(i) == PacketType.Host),
            await RunPackets(1000, 7, s => s.WherePacketType(PacketType.Host)));
        Assert.Equal(Where(1000, i => TestTraffic.TypeOf(i) is PacketType.Outgoing or PacketType.Broadcast),
            await RunPackets(1000, 7, s => s.WherePacketType(PacketTypes.Outgoing | PacketTypes.Broadcast)));
    }

    [Fact]
    public async Task SampleEvery_keeps_every_nth_packet_whatever_the_batching()
    {
        IEnumerable<long> expected = Where(1000, i => (i + 1) % 7 == 0);
        Assert.Equal(expected, await Run(1000, 16, s => s.SampleEvery(7)));
        Assert.Equal(expected, await Run(1000, 3, s => s.SampleEvery(7)));
        Assert.Equal(expected, await RunPackets(1000, 5, s => s.SampleEvery(7)));
        Assert.Equal(Where(100, _ => true), await Run(100, 9, s => s.SampleEvery(1)));
        // After a filter, sampling counts the packets the filter kept.
        Assert.Equal(Where(1000, i => TestTraffic.TypeOf(i) == PacketType.Outgoing).Where((_, k) => (k + 1) % 3 == 0),
            await Run(1000, 16, s => s.WherePacketType(PacketType.Outgoing).SampleEvery(3)));
    }

    [Fact]
    public async Task SampleFraction_is_reproducible_for_a_seed_whatever_the_batching()
    {
        List<long> a = await Run(5000, 16, s => s.SampleFraction(0.1, seed: 42));
        List<long> b = await Run(5000, 5, s => s.SampleFraction(0.1, seed: 42));
        List<long> c = await RunPackets(5000, 11, s => s.SampleFraction(0.1, seed: 42));
        List<long> other = await Run(5000, 16, s => s.SampleFraction(0.1, seed: 43));
        Assert.Equal(a, b);
        Assert.Equal(a, c);
        Assert.NotEqual(a, other);
        Assert.InRange(a.Count, 350, 650); // 500 expected; the seed fixes the actual count
        Assert.Empty(await Run(500, 16, s => s.SampleFraction(0, seed: 1)));
        Assert.Equal(500, (await Run(500, 16, s => s.SampleFraction(1, seed: 1))).Count);
    }

    [Fact]
    public async Task Packets_flattens_blocks_releasing_each_after_its_last_packet()
    {
        using var source = new TestCaptureSource(100, packetsPerBlock: 10, poolBlocks: 2);
        var seen = new List<long>();
        PacketRef previous = default;
        await source.ToObservable().Packets().Do(p =>
        {
            long i = TestTraffic.IndexOf(p);
            seen.Add(i);
            // A packet lives until its OnNext returns: the previous one is gone, in the same block or not.
            if (i > 0) Assert.Throws<ObjectDisposedException>(() => previous.Data.Length);
            previous = p;
        }).LastOrDefaultAsync().RunAsync(Ct);
        await Task.Yield(); // RunAsync may resume on the capture thread: leave it before waiting for the capture to end
        Assert.Equal(Where(100, _ => true), seen);
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public async Task Packets_observer_exception_is_reported_without_leaking_the_block()
    {
        using var source = new TestCaptureSource(1000, packetsPerBlock: 10, poolBlocks: 2);
        var boom = new InvalidOperationException("packet observer bug");
        using var probe = new ObserverFaultProbe(boom);
        using IDisposable _ = source.ToObservable().Packets().Subscribe(p =>
        {
            if (TestTraffic.IndexOf(p) == 25) throw boom;
        });
        await probe.Fault.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public async Task Packets_Take_unsubscribes_mid_block_and_returns_every_block()
    {
        TestCaptureSource? opened = null;
        IList<long> first = await CaptureObservable.Create(() => opened = new TestCaptureSource(100_000, packetsPerBlock: 10, poolBlocks: 2))
            .Packets().Select(p => TestTraffic.IndexOf(p)).Take(15).ToList().RunAsync(Ct);
        await Task.Yield(); // RunAsync may resume on the capture thread: leave it before waiting for the capture to end
        Assert.Equal(Where(15, _ => true), first);
        Assert.True(SpinWait.SpinUntil(() => opened!.IsDisposed, 10_000));
        Assert.True(opened!.AllBlocksReturned);
    }

    [Fact]
    public void Operator_arguments_are_validated_eagerly()
    {
        IObservable<PacketBlock> blocks = Observable.Never<PacketBlock>();
        IObservable<PacketRef> packets = Observable.Never<PacketRef>();
        Assert.Throws<ArgumentNullException>(() => ((IObservable<PacketBlock>)null!).WherePacketType(PacketType.Host));
        Assert.Throws<ArgumentOutOfRangeException>(() => blocks.SampleEvery(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => packets.SampleEvery(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => blocks.SampleFraction(1.5, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => packets.SampleFraction(double.NaN, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => blocks.SampleByTime(TimeSpan.Zero));
        Assert.Throws<ArgumentNullException>(() => blocks.SampleByTime(TimeSpan.FromSeconds(1), null!));
        Assert.Throws<ArgumentNullException>(() => ((IObservable<PacketBlock>)null!).Packets());
    }
}
