using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Dataflow;

/// <summary>
/// Fan-out under <see cref="BackPressurePolicy.Drop"/> at default options, with targets as Dataflow makes them by
/// default (<c>ActionBlock</c>s with unbounded input queues): one of three targets stalls, the others see every packet,
/// the ring never fills, and what the stalled target missed is counted as its drops. Before, the stalled target's queue
/// took every view and pinned every ring block (a ring is filled strictly in order, so one held block stops it), the
/// kernel dropped for every flow while the fan-out said 0 dropped, and over a file Drop behaved as Wait.
/// </summary>
public sealed class StalledTargetTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// A default ActionBlock that records the packet numbers it sees (by <paramref name="numberOf"/>) and disposes each
    /// view. With <paramref name="stall"/>, it waits for it before it opens its first view.
    /// </summary>
    private sealed class Target
    {
        private readonly List<long> _seen = new();

        internal Target(PacketNumber numberOf, ManualResetEventSlim? stall = null)
        {
            bool first = true;
            Block = new ActionBlock<PacketBlock>(b =>
            {
                if (first && stall is not null) stall.Wait(TimeSpan.FromSeconds(60));
                first = false;
                foreach (PacketRef p in b) lock (_seen) _seen.Add(numberOf(p));
                b.Dispose();
            });
        }

        internal ActionBlock<PacketBlock> Block { get; }

        internal long[] Seen
        {
            get { lock (_seen) return _seen.ToArray(); }
        }

        internal int Count
        {
            get { lock (_seen) return _seen.Count; }
        }
    }

    private delegate long PacketNumber(PacketRef packet);

    [Fact]
    public async Task A_stalled_targets_waiting_views_move_off_a_ring_image_so_it_never_fills_and_its_drops_are_counted()
    {
        const int Blocks = 40, PerBlock = 100;
        using var image = new RingImageSource(blockSize: 64 << 10, blockCount: 4);
        using var stall = new ManualResetEventSlim();
        Target fast1 = new(p => TestTraffic.IndexOf(p)), stalled = new(p => TestTraffic.IndexOf(p), stall), fast2 = new(p => TestTraffic.IndexOf(p));
        using var broadcaster = new PacketBroadcaster([fast1.Block, stalled.Block, fast2.Block], new FanOutOptions { BackPressure = BackPressurePolicy.Drop });
        Task run = broadcaster.RunAsync(image, Ct);

        // The producer plays the kernel: a packet that finds no free block is lost (counted here). It waits for the
        // fast targets after each block, so they keep up by construction and only the stalled one can hold blocks.
        long lost = 0;
        var frame = new byte[TestTraffic.FrameLength];
        for (long i = 0; i < Blocks * PerBlock; i++)
        {
            TestTraffic.Write(i, frame);
            if (!image.TryAddPacket(frame, TestTraffic.TypeOf(i), frame.Length, TestTraffic.TimestampOf(i))) lost++;
            if ((i + 1) % PerBlock != 0) continue;
            image.RetireBlock();
            long sent = i + 1 - lost;
            Assert.True(SpinWait.SpinUntil(() => fast1.Count >= sent && fast2.Count >= sent || image.LeasedBlocks == 4, 10_000),
                $"block {i / PerBlock}: the fast targets saw {fast1.Count} and {fast2.Count} of {sent}");
        }
        int leasedDuringStall = image.LeasedBlocks;
        image.Complete();
        stall.Set();
        await run.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await broadcaster.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        long total = Blocks * PerBlock;
        Assert.Equal(0, lost);
        Assert.True(leasedDuringStall <= 2, $"{leasedDuringStall} ring blocks leased while the target stalled");
        long[] all = Enumerable.Range(0, (int)total).Select(i => (long)i).ToArray();
        Assert.Equal(all, fast1.Seen);
        Assert.Equal(all, fast2.Seen);
        // The stalled target got its share of views (4 waiting, moved onto copies with their bytes intact), the rest
        // counted as its drops: exactly what it did not get.
        FanOutTargetCounters held = broadcaster.GetCounters(1);
        Assert.Equal(4 * PerBlock, held.PacketsDelivered);
        Assert.Equal(total, held.PacketsDelivered + held.PacketsDropped);
        Assert.Equal(all[..(4 * PerBlock)], stalled.Seen);
        Assert.Equal(new FanOutTargetCounters(Blocks, total, 0, 0), broadcaster.GetCounters(0));
        Assert.Equal(0, image.LeasedBlocks);
    }

    [Fact]
    public async Task A_view_its_target_has_opened_stays_on_the_ring_so_what_it_read_stays_true()
    {
        using var image = new RingImageSource(blockSize: 8192, blockCount: 4);
        using var stall = new ManualResetEventSlim();
        using var opened = new ManualResetEventSlim();
        bool stillTrue = false;
        long firstNumber = -1;
        var reader = new ActionBlock<PacketBlock>(b =>
        {
            using (b)
            {
                if (opened.IsSet) return;
                foreach (PacketRef p in b)
                {
                    ReadOnlySpan<byte> data = p.Data; // memory inside the ring: it must not be given back under this span
                    byte[] before = data.ToArray();
                    firstNumber = TestTraffic.IndexOf(p);
                    opened.Set();
                    stall.Wait(TimeSpan.FromSeconds(30));
                    stillTrue = data.SequenceEqual(before);
                    break;
                }
            }
        });
        var other = new ActionBlock<PacketBlock>(b => b.Dispose());
        using var broadcaster = new PacketBroadcaster([reader, other], new FanOutOptions { BackPressure = BackPressurePolicy.Drop });
        Task run = broadcaster.RunAsync(image, Ct);

        var frame = new byte[TestTraffic.FrameLength];
        long lost = 0;
        for (long i = 0; i < 20 * 16; i++)
        {
            TestTraffic.Write(i, frame);
            if (!image.TryAddPacket(frame, TestTraffic.TypeOf(i), frame.Length, TestTraffic.TimestampOf(i))) lost++;
            if ((i + 1) % 16 != 0) continue;
            image.RetireBlock();
            if (i == 15) Assert.True(opened.Wait(TimeSpan.FromSeconds(10), Ct));
            else SpinWait.SpinUntil(() => image.LeasedBlocks <= 1, 200);
        }
        stall.Set();
        image.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        broadcaster.Complete();
        await broadcaster.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(0, firstNumber);
        Assert.True(stillTrue, "the bytes under a span of an opened view changed: its block was given back while it was read");
        // The price, said in the docs: a target stalled in the middle of a ring block keeps that block, and the ring
        // stops at it once round.
        Assert.True(lost > 0);
        Assert.Equal(0, image.LeasedBlocks);
    }

    [Fact]
    public async Task Over_a_file_Drop_drops_for_a_stalled_target_instead_of_waiting_for_it()
    {
        // The corpus's largest file in 4 KiB blocks and the file's default pool of 4: far more blocks than the pool holds.
        var options = new CaptureFileOptions { BlockSize = 4096 };
        string path = Corpus.PathOf("files", "tcpdump-afs.pcap");
        long records = 0;
        using (var count = CaptureFileSource.Open(path, options))
            while (count.NextBlock(out PacketBlock? b) == CaptureStatus.Packet) using (b) records += b!.PacketCount;

        using var file = CaptureFileSource.Open(path, options);
        using var stall = new ManualResetEventSlim();
        Target fast1 = new(p => p.TimestampNanoseconds), stalled = new(p => p.TimestampNanoseconds, stall), fast2 = new(p => p.TimestampNanoseconds);
        using var broadcaster = new PacketBroadcaster([fast1.Block, stalled.Block, fast2.Block], new FanOutOptions { BackPressure = BackPressurePolicy.Drop });
        Task run = broadcaster.RunAsync(file, Ct);
        // Under Wait (or a Drop that lets the stalled target pin the pool) the read stops at the stalled target and
        // never ends while it stalls.
        Exception? timedOut = await Record.ExceptionAsync(() => run.WaitAsync(TimeSpan.FromSeconds(20), Ct));
        stall.Set();
        await broadcaster.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Null(timedOut);
        Assert.Equal(1, broadcaster.TargetHoldLimit); // (4 blocks - 1) / 2
        // A file is read faster than any target takes it: under Drop every target may lose some, but each record is
        // delivered to each target or counted as its drop, and each target saw exactly what was delivered to it.
        Target[] targets = [fast1, stalled, fast2];
        for (int t = 0; t < 3; t++)
        {
            FanOutTargetCounters c = broadcaster.GetCounters(t);
            Assert.True(records == c.PacketsDelivered + c.PacketsDropped, $"target {t}: {c} of {records}");
            Assert.Equal(c.PacketsDelivered, targets[t].Count);
        }
        FanOutTargetCounters held = broadcaster.GetCounters(1);
        Assert.True(held.PacketsDropped > records / 2, held.ToString());
    }
}
