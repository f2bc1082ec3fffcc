using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Packets;

/// <summary>
/// Reads of a leased block raced against the block's and the source's Dispose on another thread, 1,000 times per
/// source kind, with every read style (spans, Detach, the block's pinned bytes, a writer, the buffer copy): only
/// correct bytes or <see cref="ObjectDisposedException"/>. Before leases were per hand-out and rings were retired to
/// zero pages instead of unmapped, these ended the test host with an access violation within a few dozen races.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class LeaseRaceTests
{
    private const int Iterations = 1000;

    private static void AssertClean(LeaseRace.Outcome outcome)
    {
        Assert.True(outcome.Failures.Count == 0, string.Join(Environment.NewLine, outcome.Failures));
        Assert.True(outcome.RefusedReads > 0, "no read was ever refused: the races did not race");
        Assert.True(outcome.CorrectCopies > 0, "no copy was ever made: the races checked nothing");
    }

    [Fact]
    public void Ring_image()
    {
        var outcome = new LeaseRace.Outcome();
        var random = new Random(10);
        long sequence = 0;
        for (int i = 0; i < Iterations; i++)
        {
            var image = new RingImageSource(blockSize: 1 << 14, blockCount: 3);
            using var stop = new CancellationTokenSource();
            // The producer plays the kernel: it refills every block as soon as it is released.
            var producer = new Thread(() =>
            {
                try
                {
                    while (!stop.IsCancellationRequested)
                    {
                        long s = Interlocked.Increment(ref sequence);
                        if (!image.TryAddPacket(LeaseRace.FrameOf(s))) Thread.Yield();
                    }
                }
                catch (ObjectDisposedException)
                {
                    // the image was disposed: the producer's work is done
                }
            }) { IsBackground = true };
            producer.Start();
            PacketBlock block = NextFilledBlock(image);
            LeaseRace.Run(image, block, i, random, outcome);
            stop.Cancel();
            Assert.True(producer.Join(TimeSpan.FromSeconds(10)), "the producer did not end");
        }
        AssertClean(outcome);
    }

    [Fact]
    public void Capture_file()
    {
        var builder = new CaptureFileBuilder(bigEndian: false).PcapHeader(0xa1b2c3d4, 2, 4, 65535, 1);
        for (long s = 0; s < 3000; s++)
        {
            byte[] frame = LeaseRace.FrameOf(s);
            builder.PcapRecord(1, (uint)s, (uint)frame.Length, (uint)frame.Length, frame);
        }
        byte[] file = builder.ToArray();
        var outcome = new LeaseRace.Outcome();
        var random = new Random(11);
        for (int i = 0; i < Iterations; i++)
        {
            var source = CaptureFileSource.Open(new MemoryStream(file), "race", options: new CaptureFileOptions { BlockSize = 8192, BlockCount = 2 });
            LeaseRace.Run(source, NextFilledBlock(source), i, random, outcome);
        }
        AssertClean(outcome);
    }

    [Fact]
    public void Live_ring() => Live(ring: true);

    [Fact]
    public void Live_socket() => Live(ring: false);

    private static void Live(bool ring)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using var stop = new CancellationTokenSource();
        ProcessResources before = ProcessResources.Read();
        // Paced, so it outlasts the iterations on a slow machine: at full speed it sent its 20 million frames and ended
        // while a CI run was still iterating, whose next block then never came.
        Thread traffic = net.StartTraffic(stop.Token, LeaseRace.FrameOf, maxSeconds: 900, framesPerMillisecond: 20);
        var outcome = new LeaseRace.Outcome();
        var random = new Random(ring ? 12 : 13);
        try
        {
            for (int i = 0; i < Iterations; i++)
            {
                CaptureSource source = net.Capture<CaptureSource>(() => ring
                    ? new RingSource(net.CaptureInterface, new RingOptions { BlockSize = 1 << 16, BlockCount = 4, BlockTimeout = TimeSpan.FromMilliseconds(1) })
                    : new SocketSource(net.CaptureInterface, new SocketOptions { CaptureLength = SlimCap.Reactive.Filters.CaptureLength.Fixed(512) }));
                LeaseRace.Run(source, NextFilledBlock(source), i, random, outcome);
            }
        }
        finally
        {
            stop.Cancel();
            traffic.Join();
        }
        AssertClean(outcome);
        Assert.True(ProcessResources.Read().SameCaptureResourcesAs(before), "sockets, eventfds or ring mappings were left behind");
    }

    [Fact]
    public void Packet_refs_read_on_another_thread_while_the_packet_calls_re_arm_their_lease_object()
    {
        // The packet calls carry each block on the lease object of the block before (PacketBlock.Spare.cs). A thread
        // that keeps copying the packet the reader published last races every re-arm: it must get the right frame or
        // ObjectDisposedException, never another block's bytes.
        var outcome = new LeaseRace.Outcome();
        using var image = new RingImageSource(blockSize: 1 << 12, blockCount: 3);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        long sequence = 0, read = 0;
        Published? published = null;
        var producer = new Thread(() =>
        {
            try
            {
                while (!stop.IsCancellationRequested && Volatile.Read(ref read) < 60_000)
                {
                    if (image.TryAddPacket(LeaseRace.FrameOf(sequence))) sequence++; // a full block retires as the next frame starts
                    else Thread.Yield();
                }
            }
            catch (ObjectDisposedException)
            {
                // the image was disposed: the producer's work is done
            }
        }) { IsBackground = true };
        var thief = new Thread(() =>
        {
            while (!stop.IsCancellationRequested && Volatile.Read(ref read) < 60_000)
            {
                if (Volatile.Read(ref published) is not { } box) continue;
                try
                {
                    using DetachedPacket copy = box.Packet.Detach();
                    long s = Frames.SequenceOf(copy.Data);
                    if (s < 0 || !copy.Data.SequenceEqual(LeaseRace.FrameOf(s))) outcome.Fail($"a copy of {copy.Data.Length} bytes is not frame {s}");
                    else Interlocked.Increment(ref outcome.CorrectCopies);
                }
                catch (ObjectDisposedException)
                {
                    Interlocked.Increment(ref outcome.RefusedReads);
                }
                Volatile.Write(ref box.Tried, 1);
            }
        }) { IsBackground = true };
        producer.Start();
        thief.Start();
        long expected = 0;
        while (Volatile.Read(ref read) < 60_000 && !stop.IsCancellationRequested)
        {
            CaptureStatus status = image.NextPacketRef(out PacketRef packet);
            if (status != CaptureStatus.Packet) continue;
            long s = Frames.SequenceOf(packet.Data);
            if (s != expected) outcome.Fail($"the reader got frame {s} where {expected} was next");
            expected = s + 1;
            var box = new Published(packet);
            Volatile.Write(ref published, box);
            // Every 128th packet waits (briefly) for the thief's try, so some copies succeed even on a busy machine; the
            // others race the next read, and the re-arm at each block's end.
            if (Interlocked.Increment(ref read) % 128 == 0) SpinWait.SpinUntil(() => Volatile.Read(ref box.Tried) != 0, 20);
        }
        Volatile.Write(ref read, long.MaxValue);
        Assert.True(producer.Join(TimeSpan.FromSeconds(10)) && thief.Join(TimeSpan.FromSeconds(10)), "a racing thread did not end");
        Assert.False(stop.IsCancellationRequested, "the reader did not read 60,000 packets within 20 s");
        AssertClean(outcome);
    }

    private sealed class Published(PacketRef packet)
    {
        public readonly PacketRef Packet = packet;
        public int Tried;
    }

    /// <summary>
    /// The next block that holds packets (live sources may retire empty ones), within 10 s. A ring's NextBlock waits
    /// for traffic without a limit, so a watchdog closes the source when none comes, and the wait fails instead of hanging.
    /// </summary>
    private static PacketBlock NextFilledBlock(CaptureSource source)
    {
        var closedByWatchdog = false;
        using (new Timer(_ => { closedByWatchdog = true; source.Dispose(); }, null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan))
        {
            try
            {
                while (true)
                {
                    CaptureStatus status = source.NextBlock(out PacketBlock? block);
                    Assert.NotEqual(CaptureStatus.Stopped, status);
                    if (block is null) continue;
                    if (block.PacketCount > 0) return block;
                    block.Dispose();
                }
            }
            catch (Exception e) when (Volatile.Read(ref closedByWatchdog))
            {
                throw new TimeoutException("no block with packets arrived within 10 s (the traffic ended?)", e);
            }
        }
    }
}
