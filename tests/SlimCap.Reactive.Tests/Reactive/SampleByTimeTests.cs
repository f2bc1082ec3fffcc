using System.Reactive.Concurrency;
using Microsoft.Reactive.Testing;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Reactive;

public class SampleByTimeTests : ReactiveTest
{
    /// <summary>Leases <paramref name="n"/> blocks of 10 packets each from a fresh source (pool large enough to hold them all).</summary>
    private static PacketBlock[] Lease(TestCaptureSource source, int n)
    {
        var blocks = new PacketBlock[n];
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(CaptureStatus.Packet, source.NextBlock(out PacketBlock? b));
            blocks[i] = b!;
        }
        return blocks;
    }

    [Fact]
    public void Emits_the_latest_packet_of_each_interval_disposes_superseded_blocks_and_completes_at_the_next_tick()
    {
        var scheduler = new TestScheduler();
        using var source = new TestCaptureSource(40, packetsPerBlock: 10, poolBlocks: 4);
        PacketBlock[] b = Lease(source, 4);
        var input = scheduler.CreateHotObservable(
            OnNext(210, b[0]),
            OnNext(250, b[1]),  // supersedes b[0] within the first interval
            OnNext(350, b[2]),  // second interval; the third (400..500] gets nothing
            OnNext(520, b[3]),
            OnCompleted<PacketBlock>(550));
        var samples = new List<(long Time, long Index, int Count)>();
        long completedAt = -1;
        bool b0ReleasedAt260 = false;
        IDisposable? subscription = null;
        scheduler.ScheduleAbsolute(200, () => subscription = input.SampleByTime(TimeSpan.FromTicks(100), scheduler).Subscribe(
            block =>
            {
                PacketBlock.Enumerator e = block.GetEnumerator();
                Assert.True(e.MoveNext());
                samples.Add((scheduler.Clock, TestTraffic.IndexOf(e.Current), block.PacketCount));
                block.Dispose();
            },
            () => completedAt = scheduler.Clock));
        scheduler.ScheduleAbsolute(260, () => b0ReleasedAt260 = !b[0].IsLeased);
        scheduler.Start();

        Assert.True(b0ReleasedAt260, "a superseded block is disposed when the next one arrives");
        Assert.Equal(new[] { (300L, 19L, 1), (400L, 29L, 1), (600L, 39L, 1) }, samples);
        Assert.Equal(600, completedAt);
        Assert.True(source.AllBlocksReturned);
        subscription!.Dispose();
    }

    [Fact]
    public void An_error_is_delivered_at_once_and_the_pending_block_is_disposed()
    {
        var scheduler = new TestScheduler();
        using var source = new TestCaptureSource(20, packetsPerBlock: 10, poolBlocks: 2);
        PacketBlock[] b = Lease(source, 2);
        var failure = new CaptureException("link gone");
        var input = scheduler.CreateHotObservable(OnNext(210, b[0]), OnNext(320, b[1]), OnError<PacketBlock>(330, failure));
        var samples = new List<long>();
        Exception? error = null;
        long errorAt = -1;
        scheduler.ScheduleAbsolute(200, () => input.SampleByTime(TimeSpan.FromTicks(100), scheduler).Subscribe(
            block => { samples.Add(scheduler.Clock); block.Dispose(); },
            e => { error = e; errorAt = scheduler.Clock; }));
        scheduler.Start();
        Assert.Equal(new[] { 300L }, samples);
        Assert.Same(failure, error);
        Assert.Equal(330, errorAt);
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public void Disposing_releases_the_pending_block_and_later_arrivals()
    {
        var scheduler = new TestScheduler();
        using var source = new TestCaptureSource(30, packetsPerBlock: 10, poolBlocks: 3);
        PacketBlock[] b = Lease(source, 3);
        var input = scheduler.CreateHotObservable(OnNext(210, b[0]), OnNext(260, b[1]), OnNext(270, b[2]));
        IDisposable? subscription = null;
        int samples = 0;
        scheduler.ScheduleAbsolute(200, () => subscription = input.SampleByTime(TimeSpan.FromTicks(100), scheduler).Subscribe(_ => samples++));
        scheduler.ScheduleAbsolute(250, () => subscription!.Dispose());
        scheduler.Start();
        Assert.Equal(0, samples);
        Assert.False(b[0].IsLeased);
        // Hot source: arrivals after disposal go nowhere (the subscription is gone), so the test releases them.
        b[1].Dispose();
        b[2].Dispose();
        Assert.True(source.AllBlocksReturned);
    }
}
