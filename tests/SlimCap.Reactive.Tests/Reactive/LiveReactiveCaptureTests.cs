using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Reactive;

/// <summary>
/// The behavioural suite over real kernel capture: <see cref="TestTraffic"/> frames injected on a veth pair between
/// two test namespaces, read through the Rx, async and Dataflow surfaces from a TPACKET_V3 ring and a plain socket.
/// Needs root (CI runs as root); skipped with the reason otherwise.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class LiveReactiveCaptureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IEnumerable<long> All(long count) => Enumerable.Range(0, (int)count).Select(i => (long)i);

    /// <summary>Injects frames <c>0..count-1</c>; with <paramref name="seen"/>, keeps at most 100 ahead of the reader (a socket's buffer is small).</summary>
    private static void Inject(TestNetwork net, long count, Func<long>? seen = null) =>
        net.Peer(() =>
        {
            using var injector = new FrameInjector(net.PeerInterface);
            var frame = new byte[TestTraffic.FrameLength];
            for (long i = 0; i < count; i++)
            {
                if (seen is not null && !SpinWait.SpinUntil(() => i - seen() < 100, 20_000)) throw new TimeoutException("the reader stopped reading");
                TestTraffic.Write(i, frame);
                injector.Send(frame);
            }
            return 0;
        });

    private static RingSource OpenRing(TestNetwork net) =>
        net.Capture(() => new RingSource(net.CaptureInterface, new RingOptions { BlockCount = 16, BlockTimeout = TimeSpan.FromMilliseconds(10) }));

    [Fact]
    public void Ring_observable_sees_every_injected_packet_once_in_order_and_returns_every_block()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        const int Count = 3000;
        using RingSource ring = OpenRing(net);
        var recorder = new BlockRecorder();
        IDisposable subscription = ring.ToObservable().Subscribe(recorder);
        Inject(net, Count);
        Assert.True(SpinWait.SpinUntil(() => recorder.Indices.Count >= Count, 20_000), $"saw {recorder.Indices.Count} of {Count}");
        subscription.Dispose();
        Assert.Equal(All(Count), recorder.Indices);
        Assert.Equal(0, ring.LeasedBlocks); // every block is back with the kernel
        Assert.Equal(0, ring.Stats.PacketsDropped);
    }

    [Fact]
    public async Task Socket_await_foreach_sees_every_injected_packet_in_order_and_break_returns_every_lease()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        const int Count = 500;
        using SocketSource socket = net.Capture(() => new SocketSource(net.CaptureInterface));
        long expected = 0;
        Task inject = Task.Run(() => Inject(net, Count, () => Volatile.Read(ref expected)), Ct);
        await foreach (PacketRef p in socket.ReadAllAsync(Ct))
        {
            Assert.Equal(expected++, TestTraffic.IndexOf(p));
            if (expected == Count) break;
        }
        await inject;
        Assert.Equal(0, socket.LeasedBlocks);
    }

    [Fact]
    public async Task Ring_partitions_see_each_flow_entirely_and_in_order()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        const int Count = 4000;
        using RingSource ring = OpenRing(net);
        var parts = Enumerable.Range(0, 3).Select(_ => new List<long>()).ToArray();
        var targets = parts.Select(list => new ActionBlock<PacketBlock>(b =>
        {
            foreach (PacketRef p in b) list.Add(TestTraffic.IndexOf(p));
            b.Dispose();
        }, new ExecutionDataflowBlockOptions { BoundedCapacity = 4 })).ToArray();
        using var partitioner = new PacketPartitioner(targets, new FanOutOptions { BoundedCapacity = 8 });
        using var stop = new CancellationTokenSource();
        Task run = partitioner.RunAsync(ring, stop.Token);
        Inject(net, Count);
        Assert.True(SpinWait.SpinUntil(() => Enumerable.Range(0, 3).Sum(t => partitioner.GetCounters(t).PacketsDelivered) >= Count, 20_000));
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await partitioner.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var owner = new Dictionary<int, int>();
        for (int t = 0; t < parts.Length; t++)
        {
            Assert.Equal(parts[t].OrderBy(i => i), parts[t]);
            foreach (long i in parts[t]) Assert.Equal(t, owner.TryGetValue(TestTraffic.FlowOf(i), out int o) ? o : owner[TestTraffic.FlowOf(i)] = t);
        }
        Assert.Equal(All(Count), parts.SelectMany(p => p).OrderBy(i => i));
        Assert.Equal(0, ring.LeasedBlocks);
    }
}
