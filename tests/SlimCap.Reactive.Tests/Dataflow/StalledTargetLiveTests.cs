using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Dataflow;

/// <summary>
/// Issue 10 item 8, live: a ring at default options (4 blocks of 1 MiB), a broadcaster under
/// <see cref="BackPressurePolicy.Drop"/> at default options to three default <c>ActionBlock</c>s, one of which stalls
/// for the whole burst (~100,000 frames a second for ~3 s: the ring holds about 0.3 s of it, so it comes round ten
/// times). The kernel drops nothing, the two others see every frame, and the stalled target's drops are exactly what
/// it did not get. Before, the stalled target's queue pinned every ring block and the kernel dropped for all targets.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class StalledTargetLiveTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// A default ActionBlock recording the sequence numbers it sees; with a stall, it awaits it before opening its
    /// first view (a target waiting on a slow dependency, as async code does: it holds no pool thread meanwhile).
    /// </summary>
    private sealed class Target
    {
        private readonly HashSet<long> _seen = new();
        private long _packets;

        internal Target(Task? stall = null)
        {
            Block = new ActionBlock<PacketBlock>(async b =>
            {
                if (stall is not null) await stall.ConfigureAwait(false);
                foreach (PacketRef p in b)
                {
                    long s = Frames.SequenceOf(p.Data);
                    lock (_seen) if (s >= 0) _seen.Add(s);
                    Interlocked.Increment(ref _packets);
                }
                b.Dispose();
            });
        }

        internal ActionBlock<PacketBlock> Block { get; }
        internal long Packets => Interlocked.Read(ref _packets);
        internal int Distinct { get { lock (_seen) return _seen.Count; } }
    }

    /// <summary>Waits without holding a pool thread (the targets run on the pool).</summary>
    private static async Task Until(Func<bool> done, TimeSpan limit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!done() && clock.Elapsed < limit) await Task.Delay(20, Ct);
    }

    [Fact]
    public async Task A_target_stalled_through_a_burst_at_100k_pps_costs_the_others_and_the_kernel_nothing_and_its_drops_are_counted()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using RingSource ring = net.Capture(() => new RingSource(net.CaptureInterface));
        var stall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Target fast1 = new(), stalled = new(stall.Task), fast2 = new();
        using var broadcaster = new PacketBroadcaster([fast1.Block, stalled.Block, fast2.Block], new FanOutOptions { BackPressure = BackPressurePolicy.Drop });
        using var stop = new CancellationTokenSource();
        Task run = broadcaster.RunAsync(ring, stop.Token);

        const long Sent = 400_000;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Thread traffic = net.StartTraffic(Ct, i => Frames.Udp(i, 64), maxFrames: Sent, maxSeconds: 20, framesPerMillisecond: 200);
        await Until(() => !traffic.IsAlive, TimeSpan.FromSeconds(30));
        TimeSpan sending = clock.Elapsed;
        await Until(() => fast1.Distinct >= Sent && fast2.Distinct >= Sent, TimeSpan.FromSeconds(5)); // the last block retires on its timer
        TimeSpan stalledFor = clock.Elapsed;
        stall.SetResult();
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        broadcaster.Complete();
        await broadcaster.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        CaptureStats stats = ring.Stats;
        FanOutTargetCounters held = broadcaster.GetCounters(1), fast = broadcaster.GetCounters(0);
        string summary = $"{Sent} frames in {sending.TotalSeconds:F1} s ({Sent / sending.TotalSeconds:F0}/s), target stalled {stalledFor.TotalSeconds:F1} s; " +
            $"kernel {stats.PacketsReceived} received, {stats.PacketsDropped} dropped; fast targets saw {fast1.Distinct} and {fast2.Distinct} distinct of {fast1.Packets} and {fast2.Packets} ({fast}, {broadcaster.GetCounters(2)}); " +
            $"the stalled one {stalled.Packets}, {stalled.Distinct} distinct ({held})";
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        Assert.True(sending > TimeSpan.FromSeconds(1.5), "the burst was too short to come round the ring many times: " + summary);
        Assert.True(stats.PacketsDropped == 0, summary);
        Assert.True(fast1.Distinct == Sent && fast2.Distinct == Sent, summary);
        Assert.True(fast.PacketsDropped == 0 && broadcaster.GetCounters(2).PacketsDropped == 0, summary);
        // What the stalled target got (the views that waited for it, moved off the ring) and what it was counted as
        // dropping add up to every packet the others got.
        Assert.True(held.PacketsDropped > Sent / 2, summary);
        Assert.True(fast.PacketsDelivered == held.PacketsDelivered + held.PacketsDropped, summary);
        Assert.True(stalled.Packets == held.PacketsDelivered, summary);
        Assert.Equal(0, ring.LeasedBlocks);
    }
}
