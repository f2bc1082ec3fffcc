using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Reactive;

public class PacketAsyncEnumerableTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<List<long>> Run(long count, int perBlock, Func<IAsyncEnumerable<PacketRef>, IAsyncEnumerable<PacketRef>> query)
    {
        using var source = new TestCaptureSource(count, packetsPerBlock: perBlock, poolBlocks: 3);
        var seen = new List<long>();
        await foreach (PacketRef p in query(source.ReadAllAsync(Ct))) seen.Add(TestTraffic.IndexOf(p));
        Assert.True(source.AllBlocksReturned);
        return seen;
    }

    private static IEnumerable<long> Where(long count, Func<long, bool> keep) => Enumerable.Range(0, (int)count).Select(i => (long)i).Where(keep);

    [Fact]
    public async Task Filters_and_samplers_keep_the_same_packets_as_the_Rx_forms()
    {
        Assert.Equal(Where(1000, i => TestTraffic.TypeOf(i) == PacketType.Broadcast), await Run(1000, 7, s => s.WherePacketType(PacketType.Broadcast)));
        Assert.Equal(Where(1000, i => TestTraffic.TypeOf(i) != PacketType.Outgoing),
            await Run(1000, 7, s => s.WherePacketType(PacketTypes.Host | PacketTypes.Broadcast)));
        Assert.Equal(Where(1000, i => (i + 1) % 9 == 0), await Run(1000, 16, s => s.SampleEvery(9)));

        List<long> fraction = await Run(3000, 16, s => s.SampleFraction(0.2, seed: 42));
        using var source = new TestCaptureSource(3000, packetsPerBlock: 5);
        var recorder = new BlockRecorder();
        using (source.ToObservable().SampleFraction(0.2, seed: 42).Subscribe(recorder)) await recorder.WaitDoneAsync();
        Assert.Equal(recorder.Indices, fraction);
    }

    [Fact]
    public async Task Each_enumeration_starts_its_sampler_afresh()
    {
        // A factory stream: each enumeration opens its own source, so both see packets 0..39.
        IAsyncEnumerable<PacketRef> sampled = CaptureAsyncEnumerable.ReadAllAsync(() => new TestCaptureSource(40, packetsPerBlock: 8), Ct).SampleEvery(3);
        var first = new List<long>();
        await foreach (PacketRef p in sampled)
        {
            first.Add(TestTraffic.IndexOf(p));
            if (first.Count == 2) break;
        }
        var second = new List<long>();
        await foreach (PacketRef p in sampled) second.Add(TestTraffic.IndexOf(p));
        Assert.Equal(new long[] { 2, 5 }, first);
        Assert.Equal(Where(40, i => (i + 1) % 3 == 0), second);
    }

    [Fact]
    public async Task Cancellation_through_WithCancellation_reaches_the_capture()
    {
        using var source = new TestCaptureSource(30, packetsPerBlock: 5, waitAtEnd: true);
        using var cts = new CancellationTokenSource();
        int n = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (PacketRef p in source.ReadAllAsync().WherePacketType(PacketTypes.All).WithCancellation(cts.Token))
            {
                if (++n == 30) cts.CancelAfter(20);
            }
        });
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public void Arguments_are_validated_eagerly()
    {
        IAsyncEnumerable<PacketRef> none = AsyncEnumerable.Empty<PacketRef>();
        Assert.Throws<ArgumentNullException>(() => ((IAsyncEnumerable<PacketRef>)null!).WherePacketType(PacketType.Host));
        Assert.Throws<ArgumentOutOfRangeException>(() => none.SampleEvery(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => none.SampleFraction(-0.1, 1));
    }
}
