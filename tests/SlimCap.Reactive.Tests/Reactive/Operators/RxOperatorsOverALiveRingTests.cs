using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Reactive.Operators;

/// <summary>
/// Two rings on one interface of a test namespace with paced traffic, opened once for every operator's 200 runs
/// (opening and closing a ring costs tens of ms: the kernel's RCU grace period), each run a new subscription through
/// <see cref="CaptureObservable.ToObservable(CaptureSource)"/>.
/// </summary>
public sealed class LiveRingPair : IDisposable
{
    private readonly TestNetwork? _net;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread? _traffic;

    public LiveRingPair()
    {
        if (!Privileges.IsRoot) return;
        _net = new TestNetwork();
        try
        {
            var options = new RingOptions { BlockSize = 1 << 16, BlockCount = 256, BlockTimeout = TimeSpan.FromMilliseconds(2) };
            Rings = [_net.Capture(() => new RingSource(_net.CaptureInterface, options)), _net.Capture(() => new RingSource(_net.CaptureInterface, options))];
            // 256 blocks: the operators that drop leases make the ring wait for the collector only now and then.
            // Paced (about 10,000 frames a second), bounded in count and time: a few frames per block at the 2 ms timeout.
            _traffic = _net.StartTraffic(_stop.Token, i => Frames.Udp(i, 64 + (int)(i % 64)), maxFrames: 5_000_000, maxSeconds: 600, framesPerMillisecond: 10);
            foreach (RingSource ring in Rings)
            {
                PacketBlock? first;
                while (ring.NextBlock(out first) != CaptureStatus.Packet) { }
                first!.Dispose();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    internal RingSource[] Rings { get; } = [];

    public void Dispose()
    {
        _stop.Cancel();
        _traffic?.Join();
        foreach (RingSource ring in Rings) ring.Dispose();
        _net?.Dispose();
        _stop.Dispose();
    }
}

/// <summary>
/// Rx as people write it over a live ring, 200 runs per operator: no run hangs past 5 s, no subscription is left
/// reading (the next one would be refused), no lease stays out once the collector had its chance, descriptors and
/// mappings are back, and every block an Rx operator dropped is counted; the lease-aware replacements leave nothing
/// for the collector at all.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class RxOperatorsOverALiveRingTests(LiveRingPair pair) : IClassFixture<LiveRingPair>
{
    public static TheoryData<string> Scenarios() => RxScenarios.Names(RxScenarios.Live);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Each_operator_200_times_over_a_live_ring_releases_everything_and_counts_what_it_drops(string name)
    {
        Privileges.RequireNetworkNamespaces();
        RxScenario scenario = RxScenarios.Live.Single(s => s.Name == name);
        LeaseTally tally = RxLeaseHarness.RunScenario(scenario, (t, i) => t.Count(pair.Rings[i].ToObservable()), t =>
        {
            foreach (RingSource ring in pair.Rings)
            {
                // A capture thread that was told to stop may still be leaving, and an Rx timer not yet run (Throttle's,
                // on a busy machine) may still hold the block it dropped: give the collector its chance again meanwhile,
                // so only a block that stays reachable (a real leak) fails.
                DateTime until = DateTime.UtcNow.AddSeconds(5);
                while (ring.LeasedBlocks != 0 && DateTime.UtcNow < until)
                {
                    Thread.Sleep(20);
                    RxLeaseHarness.CollectDroppedLeases();
                }
                Assert.True(ring.LeasedBlocks == 0, $"{name}: {ring.LeasedBlocks} ring blocks still leased after {RxLeaseHarness.Runs} runs ({t})");
            }
        });
        Assert.True(tally.PacketsOut > 0, $"{name}: no packet arrived ({tally})");
    }
}
