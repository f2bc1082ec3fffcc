using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;
using SlimCap.Reactive.Tests.Reactive;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>
/// One way to park (issue 10): a ring reader waiting for a block sleeps until something real happens (the kernel
/// retires a block, a consumer gives one back, Unblock, Dispose), never on a 2-50 ms timer. Counted by the reader
/// thread's voluntary context switches (each wake-up from a wait is one) while nothing happens: before, a starved ring
/// polled every 10 ms, a ring whose previous block a consumer held every 2 ms, and a ring image every 50 ms.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class ReaderParkTests
{
    /// <summary>Quiet time over which a parked ring reader is watched: its old timers (10 ms, 2 ms) woke it 37 and 178 times.</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

    /// <summary>As <see cref="Quiet"/> for a ring image, whose old 50 ms timer woke its reader 9 times in 500 ms.</summary>
    private static readonly TimeSpan ImageQuiet = TimeSpan.FromMilliseconds(1200);

    /// <summary>At most this many wake-ups while quiet (the starvation clock's collections, a stray signal on a busy machine).</summary>
    private const long AtMostWakeUps = 6;

    /// <summary>A thread blocked in one <see cref="CaptureSource.NextBlock"/> call, whose wake-ups the test counts.</summary>
    private sealed class Reader : IDisposable
    {
        private readonly Thread _thread;
        private readonly ManualResetEventSlim _started = new(), _done = new();
        private readonly int _syscall;
        private int _tid;

        /// <param name="source">The source to read.</param>
        /// <param name="syscall">The syscall the reader waits in (a ring image's reader waits on a futex, not ppoll).</param>
        internal Reader(CaptureSource source, int syscall = ThreadProbe.PpollSyscall)
        {
            _syscall = syscall;
            _thread = new Thread(() =>
            {
                _tid = ThreadProbe.CurrentThreadId;
                _started.Set();
                Status = source.NextBlock(out PacketBlock? block);
                Block = block;
                _done.Set();
            }) { IsBackground = true, Name = "parked reader" };
            _thread.Start();
            Assert.True(_started.Wait(TimeSpan.FromSeconds(10)));
        }

        internal CaptureStatus Status { get; private set; }
        internal PacketBlock? Block { get; private set; }

        /// <summary>Wake-ups of the reader over <paramref name="quiet"/> (default <see cref="Quiet"/>), once it sits in its wait.</summary>
        internal long WakeUpsWhileQuiet(TimeSpan? quiet = null)
        {
            Assert.True(ThreadProbe.WaitUntilInSyscall(_tid, _syscall) || _done.IsSet, "the reader never sat in its wait");
            Thread.Sleep(50); // past the first look at the ring
            long before = ThreadProbe.VoluntarySwitches(_tid);
            Thread.Sleep(quiet ?? Quiet);
            Assert.False(_done.IsSet, $"the read returned ({Status}) while nothing happened");
            long wakeUps = ThreadProbe.VoluntarySwitches(_tid) - before;
            TestContext.Current.TestOutputHelper?.WriteLine($"{wakeUps} wake-ups in {(quiet ?? Quiet).TotalMilliseconds} ms");
            return wakeUps;
        }

        internal bool Returned(TimeSpan within) => _done.Wait(within);

        public void Dispose()
        {
            Block?.Dispose();
            _started.Dispose();
        }
    }

    private static void Inject(TestNetwork net, int count) =>
        net.InjectFromPeer(Enumerable.Range(0, count).Select(i => Frames.Udp(i, 64)));

    [Fact]
    public void A_starved_ring_parks_until_a_consumer_gives_a_block_back_and_then_reads_on()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using RingSource ring = net.Capture(() => new RingSource(net.CaptureInterface, new RingOptions { BlockSize = 64 << 10, BlockCount = 2, BlockTimeout = TimeSpan.FromMilliseconds(10) }));
        var held = new List<PacketBlock>();
        for (int i = 0; i < 2; i++)
        {
            Inject(net, 4);
            Assert.Equal(CaptureStatus.Packet, ring.NextBlock(out PacketBlock? b));
            held.Add(b!);
        }
        Inject(net, 4); // the kernel has nowhere to put these: the ring is frozen at the held blocks
        using var reader = new Reader(ring);
        long wakeUps = reader.WakeUpsWhileQuiet();
        Assert.True(wakeUps <= AtMostWakeUps, $"a starved reader woke {wakeUps} times in {Quiet.TotalMilliseconds} ms");

        held[0].Dispose(); // wakes the parked reader at once; the kernel fills the block again with the next frames
        Inject(net, 4);
        // Woken by the release, it reads the block the kernel retires on its 10 ms timer. Without the wake-up it would
        // sleep on until the starvation clock's next collection, 1 s after the one at 250 ms, some 700 ms from here.
        var woken = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(reader.Returned(TimeSpan.FromMilliseconds(400)), "the reader was not woken when a block came back");
        TestContext.Current.TestOutputHelper?.WriteLine($"read on {woken.ElapsedMilliseconds} ms after the release");
        Assert.Equal(CaptureStatus.Packet, reader.Status);
        held[1].Dispose();
    }

    [Fact]
    public void A_reader_waiting_for_the_next_block_while_a_consumer_holds_the_previous_one_parks_until_the_kernel_retires_it()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using RingSource ring = net.Capture(() => new RingSource(net.CaptureInterface, new RingOptions { BlockSize = 64 << 10, BlockCount = 4, BlockTimeout = TimeSpan.FromMilliseconds(10) }));
        Inject(net, 4);
        Assert.Equal(CaptureStatus.Packet, ring.NextBlock(out PacketBlock? previous));
        using (previous)
        {
            // The kernel reports the socket readable while this block is user-owned, so its readiness says nothing
            // about the next block: the reader must not spin on it, nor poll it on a timer.
            using var reader = new Reader(ring);
            long wakeUps = reader.WakeUpsWhileQuiet();
            Assert.True(wakeUps <= AtMostWakeUps, $"the reader woke {wakeUps} times in {Quiet.TotalMilliseconds} ms with no block retired");
            Inject(net, 4); // retired on the block timer: the kernel's wake-up ends the wait
            Assert.True(reader.Returned(TimeSpan.FromSeconds(5)), "the reader missed the kernel retiring a block");
            Assert.Equal(CaptureStatus.Packet, reader.Status);
            Assert.Equal(4, reader.Block!.PacketCount);
        }
    }

    [Fact]
    public void A_ring_image_reader_parks_until_the_producer_or_a_consumer_acts()
    {
        using var image = new RingImageSource(blockSize: 8192, blockCount: 2);
        var frame = new byte[TestTraffic.FrameLength];
        TestTraffic.Write(0, frame);
        // Waiting for a block the producer has not retired.
        using (var reader = new Reader(image, ThreadProbe.FutexSyscall))
        {
            long idle = reader.WakeUpsWhileQuiet(ImageQuiet);
            Assert.True(idle <= AtMostWakeUps, $"an idle image reader woke {idle} times in {ImageQuiet.TotalMilliseconds} ms");
            Assert.True(image.TryAddPacket(frame));
            image.RetireBlock();
            Assert.True(reader.Returned(TimeSpan.FromSeconds(5)));
            Assert.True(image.TryAddPacket(frame));
            image.RetireBlock();
            Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? second));
            // Starved: both blocks leased.
            using var starved = new Reader(image, ThreadProbe.FutexSyscall);
            long wakeUps = starved.WakeUpsWhileQuiet(ImageQuiet);
            Assert.True(wakeUps <= AtMostWakeUps, $"a starved image reader woke {wakeUps} times in {ImageQuiet.TotalMilliseconds} ms");
            reader.Block!.Dispose(); // the producer fills in ring order: block 0 is the next it can fill
            Assert.True(image.TryAddPacket(frame));
            image.RetireBlock();
            Assert.True(starved.Returned(TimeSpan.FromSeconds(5)));
            Assert.Equal(CaptureStatus.Packet, starved.Status);
            second!.Dispose();
        }
    }
}
