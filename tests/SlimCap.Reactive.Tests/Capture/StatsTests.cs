using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>Counters that add up: every frame sent is captured or counted as dropped, also when a stalled consumer forces drops.</summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class StatsTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_stalled_consumer_makes_the_kernel_drop_and_every_frame_is_accounted_for(bool ring)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        const int sent = 20_000;
        // A small ring (or socket queue) and a consumer that stalls: the kernel must drop, and count it.
        using CaptureSource source = net.Capture<CaptureSource>(() => ring
            ? new RingSource(net.CaptureInterface, new RingOptions { BlockSize = 1 << 16, BlockCount = 2, BlockTimeout = TimeSpan.FromMilliseconds(5) })
            : new SocketSource(net.CaptureInterface, new SocketOptions { ReceiveBufferSize = 256 << 10 }));
        var statsSeen = new List<CaptureStats>();
        using var stop = new CancellationTokenSource();
        // Stats are read from another thread while capturing: they only ever grow.
        var watcher = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                statsSeen.Add(source.Stats);
                Thread.Sleep(1);
            }
        });
        watcher.Start();
        long captured = 0;
        long memoryBefore = 0;
        var reader = new Thread(() =>
        {
            try
            {
                Thread.Sleep(500); // stall while the traffic starts
                memoryBefore = GC.GetTotalMemory(false);
                while (source.NextBlock(out PacketBlock? block) != CaptureStatus.Stopped)
                {
                    if (block is null) continue;
                    using (block) foreach (PacketRef p in block) if (Frames.SequenceOf(p.Data) >= 0) captured++;
                }
            }
            catch (ObjectDisposedException)
            {
            }
        });
        reader.Start();
        net.InjectFromPeer(Enumerable.Range(0, sent).Select(i => Frames.Udp(i, 200)));
        // Wait until the kernel's accounting covers every frame sent, and the reader has caught up.
        Assert.True(SpinWait.SpinUntil(() => source.Stats.PacketsReceived >= sent, 20_000), $"kernel saw only {source.Stats.PacketsReceived} of {sent}");
        SpinWait.SpinUntil(() => Volatile.Read(ref captured) + source.Stats.PacketsDropped >= sent, 10_000);
        source.Dispose();
        reader.Join(5000);
        stop.Cancel();
        watcher.Join(5000);

        CaptureStats final = source.Stats;
        Assert.Equal(sent, final.PacketsReceived);
        Assert.True(final.PacketsDropped > 0, "the stalled consumer should have made the kernel drop");
        Assert.Equal(sent, captured + final.PacketsDropped);
        for (int i = 1; i < statsSeen.Count; i++)
        {
            Assert.True(statsSeen[i].PacketsReceived >= statsSeen[i - 1].PacketsReceived);
            Assert.True(statsSeen[i].PacketsDropped >= statsSeen[i - 1].PacketsDropped);
        }
        Assert.True(GC.GetTotalMemory(false) - memoryBefore < 64 << 20, "memory grew while the consumer stalled");
    }
}
