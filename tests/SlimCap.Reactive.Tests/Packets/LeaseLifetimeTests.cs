using System.Buffers;
using System.Reactive.Linq;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Packets;

/// <summary>
/// What a lease is worth after it ended: a stale reference can neither read nor release a later lease of the same
/// storage; closing a source ends every lease it handed out; a lease dropped without Dispose comes back through the
/// garbage collector (and is reported); packets handed out one at a time die with the next one.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class LeaseLifetimeTests
{
    private static RingImageSource ImageWithBlocks(int blocks, int packetsPerBlock, int blockCount = 2)
    {
        var image = new RingImageSource(blockSize: 1 << 14, blockCount: blockCount);
        long s = 0;
        for (int b = 0; b < blocks; b++)
        {
            for (int p = 0; p < packetsPerBlock; p++) Assert.True(image.TryAddPacket(LeaseRace.FrameOf(s++)));
            image.RetireBlock();
        }
        return image;
    }

    private static long FirstSequence(PacketBlock block)
    {
        foreach (PacketRef p in block) return Frames.SequenceOf(p.Data);
        return -1;
    }

    /// <summary>One storage slot, leased twice: the first lease object stays dead whatever the second does.</summary>
    private static void AssertStaleReferenceIsInert(CaptureSource source, Func<int> leased, int slots)
    {
        Assert.Equal(CaptureStatus.Packet, source.NextBlock(out PacketBlock? old));
        long oldFirst = FirstSequence(old!);
        PacketRef oldPacket = default;
        foreach (PacketRef p in old!) { oldPacket = p; break; }
        old.Dispose();

        // Go on capturing until every storage is leased again, the old one's among them (pools and rings reuse it).
        var held = new List<PacketBlock>();
        while (held.Count < slots)
        {
            Assert.Equal(CaptureStatus.Packet, source.NextBlock(out PacketBlock? next));
            held.Add(next!);
        }
        int leasedBefore = leased();

        Assert.False(old.IsLeased);
        Assert.Throws<ObjectDisposedException>(() => old.GetEnumerator());
        Assert.Throws<ObjectDisposedException>(() => old.Bytes);
        Assert.Throws<ObjectDisposedException>(() => oldPacket.Data.Length);
        Assert.Throws<ObjectDisposedException>(() => oldPacket.Detach());
        Assert.False(oldPacket.IsValid);
        for (int i = 0; i < 10; i++) old.Dispose(); // a stale dispose, again and again: no other lease ends
        Assert.Equal(leasedBefore, leased());
        foreach (PacketBlock b in held)
        {
            Assert.True(b.IsLeased);
            Assert.NotEqual(oldFirst, FirstSequence(b));
            b.Dispose();
        }
        Assert.Equal(0, leased());
    }

    [Fact]
    public void Stale_reference_on_a_ring_image()
    {
        using RingImageSource image = ImageWithBlocks(blocks: 2, packetsPerBlock: 5, blockCount: 2);
        // The first block is reused for the third: refill as the kernel would once it is released.
        var refill = new Thread(() =>
        {
            long s = 1000;
            for (int i = 0; i < 200 && !image.IsDisposed; i++)
            {
                try
                {
                    if (!image.TryAddPacket(LeaseRace.FrameOf(s))) { Thread.Sleep(1); continue; }
                    s++;
                    if (s % 5 == 0) image.RetireBlock();
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
        }) { IsBackground = true };
        refill.Start();
        AssertStaleReferenceIsInert(image, () => image.LeasedBlocks, slots: 2);
        image.Dispose();
        refill.Join();
    }

    [Fact]
    public void Stale_reference_on_a_capture_file()
    {
        var builder = new CaptureFileBuilder(bigEndian: false).PcapHeader(0xa1b2c3d4, 2, 4, 65535, 1);
        for (long s = 0; s < 400; s++)
        {
            byte[] frame = LeaseRace.FrameOf(s);
            builder.PcapRecord(1, (uint)s, (uint)frame.Length, (uint)frame.Length, frame);
        }
        using var file = CaptureFileSource.Open(new MemoryStream(builder.ToArray()), "stale", options: new CaptureFileOptions { BlockSize = 4096, BlockCount = 2 });
        AssertStaleReferenceIsInert(file, () => file.LeasedBlocks, slots: 2);
    }

    [Fact]
    public void Stale_disposes_from_many_threads_never_release_a_fresh_lease()
    {
        // As 8 unsynchronised disposers of one lease would, while the source keeps leasing the same slots afresh.
        using var image = new RingImageSource(blockSize: 4096, blockCount: 2, replayLimit: 20_000);
        long s = 0;
        for (int b = 0; b < 2; b++)
        {
            Assert.True(image.TryAddPacket(LeaseRace.FrameOf(s++)));
            image.RetireBlock();
        }
        for (int i = 0; i < 2000; i++)
        {
            Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? stale));
            Parallel.For(0, 8, _ => stale!.Dispose());
            Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? fresh));
            Parallel.For(0, 8, _ => stale!.Dispose());
            Assert.True(fresh!.IsLeased);
            Assert.Equal(1, image.LeasedBlocks);
            Assert.True(FirstSequence(fresh) >= 0); // readable: nobody released it under its owner
            fresh.Dispose();
        }
    }

    [Fact]
    public void Closing_a_ring_image_ends_every_lease_it_handed_out()
    {
        RingImageSource image = ImageWithBlocks(blocks: 2, packetsPerBlock: 3);
        Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? a));
        PacketRef packet = default;
        foreach (PacketRef p in a!) { packet = p; break; }
        PacketBlock view = a.CreateView();
        image.Dispose();
        Assert.False(a.IsLeased);
        Assert.False(view.IsLeased);
        Assert.Throws<ObjectDisposedException>(() => packet.Data.Length);
        Assert.Throws<ObjectDisposedException>(() => packet.Detach());
        Assert.Throws<ObjectDisposedException>(() => view.GetEnumerator());
        Assert.Equal(0, image.LeasedBlocks);
        a.Dispose(); // nothing left to release: no fault, no write into the retired image
        view.Dispose();
        Assert.Throws<ObjectDisposedException>(() => image.TryAddPacket(Frames.Udp(1)));
        Assert.Throws<ObjectDisposedException>(() => image.RetireBlock());
        Assert.Throws<ObjectDisposedException>(() => image.Complete());
    }

    [Fact]
    public void Closing_a_live_ring_frees_socket_event_fd_and_ring_at_once_while_blocks_are_still_leased()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        ProcessResources before = ProcessResources.Read();
        var took = new List<long>();
        for (int round = 0; round < 20; round++)
        {
            var ring = net.Capture(() => new RingSource(net.CaptureInterface, new RingOptions { BlockSize = 1 << 16, BlockCount = 4, BlockTimeout = TimeSpan.FromMilliseconds(1) }));
            net.InjectFromPeer(Enumerable.Range(0, 20).Select(i => LeaseRace.FrameOf(i)));
            var held = new List<PacketBlock>();
            DateTime until = DateTime.UtcNow.AddSeconds(5);
            while (held.Count == 0 && DateTime.UtcNow < until)
            {
                if (ring.NextBlock(out PacketBlock? b) == CaptureStatus.Packet && b!.PacketCount > 0) held.Add(b);
                else b?.Dispose();
            }
            Assert.NotEmpty(held);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            ring.Dispose(); // the blocks are still leased (as when an Rx operator dropped them)
            while (!ProcessResources.Read().NoMoreCaptureResourcesThan(before) && clock.ElapsedMilliseconds < 1000) Thread.Sleep(1);
            Assert.True(ProcessResources.Read().NoMoreCaptureResourcesThan(before), $"round {round}: socket, eventfd or ring mapping still open {clock.ElapsedMilliseconds} ms after Dispose");
            took.Add(clock.ElapsedMilliseconds);
            foreach (PacketBlock b in held)
            {
                Assert.False(b.IsLeased);
                Assert.Throws<ObjectDisposedException>(() => b.GetEnumerator());
                ReadOnlyMemory<byte> none = default;
                Assert.Throws<ObjectDisposedException>(() => none = b.Bytes);
                b.Dispose();
            }
        }
        // The socket's close waits for the kernel's RCU grace period, which a busy machine stretches: the median
        // round, not every round, must be within 100 ms.
        took.Sort();
        Assert.True(took[took.Count / 2] < 100, $"resources went {string.Join(", ", took)} ms after Dispose");
    }

    [Fact]
    public void Observe_on_take_repeated_leaves_no_socket_or_ring_behind()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using var stop = new CancellationTokenSource();
        Thread traffic = net.StartTraffic(stop.Token, LeaseRace.FrameOf);
        ProcessResources before = ProcessResources.Read();
        try
        {
            for (int i = 0; i < 20; i++)
            {
                // ObserveOn queues blocks and drops its queue without disposing it when Take ends the subscription.
                var blocks = CaptureObservable.Create(() => net.Capture(() => new RingSource(net.CaptureInterface,
                        new RingOptions { BlockSize = 1 << 16, BlockCount = 4, BlockTimeout = TimeSpan.FromMilliseconds(1) })))
                    .ObserveOn(System.Reactive.Concurrency.TaskPoolScheduler.Default)
                    .Take(2)
                    .ToList()
                    .Wait();
                foreach (PacketBlock b in blocks) b.Dispose();
            }
        }
        finally
        {
            stop.Cancel();
            traffic.Join();
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!ProcessResources.Read().NoMoreCaptureResourcesThan(before) && clock.ElapsedMilliseconds < 2000) Thread.Sleep(10);
        Assert.True(ProcessResources.Read().NoMoreCaptureResourcesThan(before), $"before {before}, after {ProcessResources.Read()}");
    }

    [Fact]
    public void Packets_handed_out_one_at_a_time_die_with_the_next_every_time()
    {
        using RingImageSource image = ImageWithBlocks(blocks: 2, packetsPerBlock: 40);
        image.Complete();
        Assert.Equal(CaptureStatus.Packet, image.NextPacketRef(out PacketRef previous));
        int refused = 0, reads = 0;
        while (image.NextPacketRef(out PacketRef current) == CaptureStatus.Packet)
        {
            reads++;
            try
            {
                _ = previous.Data.Length;
            }
            catch (ObjectDisposedException)
            {
                refused++;
            }
            Assert.Equal(Frames.SequenceOf(current.Data), Frames.SequenceOf(current.Data)); // the current one reads
            previous = current;
        }
        Assert.Equal(79, reads);
        Assert.Equal(reads, refused); // every time, not only across blocks
    }

    [Fact]
    public async Task Packets_from_read_all_async_die_with_the_next_iteration()
    {
        using RingImageSource image = ImageWithBlocks(blocks: 2, packetsPerBlock: 40);
        image.Complete();
        PacketRef previous = default;
        int refused = 0, seen = 0;
        await foreach (PacketRef p in image.ReadAllAsync())
        {
            if (seen++ > 0)
            {
                try { _ = previous.Data.Length; } catch (ObjectDisposedException) { refused++; }
            }
            Assert.True(Frames.SequenceOf(p.Data) >= 0);
            previous = p;
        }
        Assert.Equal(80, seen);
        Assert.Equal(79, refused);
    }

    [Fact]
    public void Packets_buffered_past_their_on_next_are_refused_every_time()
    {
        using RingImageSource image = ImageWithBlocks(blocks: 2, packetsPerBlock: 40);
        image.Complete();
        IList<IList<PacketRef>> batches = image.ToObservable().Packets().Buffer(10).ToList().Wait();
        Assert.Equal(8, batches.Count);
        foreach (PacketRef p in batches.SelectMany(b => b))
            Assert.Throws<ObjectDisposedException>(() => p.Data.Length);
    }

    [Fact]
    public void Packets_of_a_block_you_hold_stay_valid_while_you_hold_it()
    {
        using RingImageSource image = ImageWithBlocks(blocks: 1, packetsPerBlock: 30);
        Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? block));
        var all = new List<PacketRef>();
        foreach (PacketRef p in block!) all.Add(p);
        foreach (PacketRef p in block) _ = p.CapturedLength; // a second walk does not end the first one's packets
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), all.Select(p => Frames.SequenceOf(p.Data)));
        block.Dispose();
        Assert.All(all, p => Assert.Throws<ObjectDisposedException>(() => p.Data.Length));
    }

    [Fact]
    public void No_block_hands_out_writable_memory()
    {
        using RingImageSource image = ImageWithBlocks(blocks: 1, packetsPerBlock: 3);
        Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? ring));
        using PacketBlock socketLike = TestBlocks.Simple(42);
        foreach (IMemoryOwner<byte> owner in new IMemoryOwner<byte>[] { ring!, socketLike })
            Assert.Throws<NotSupportedException>(() => owner.Memory);
        ring!.Dispose();
        int count = 0;
        foreach (PacketRef _ in socketLike) count++;
        Assert.Equal(42, count);
    }

    [Fact]
    public void A_forgotten_lease_comes_back_through_the_collector_and_is_reported_with_its_stack()
    {
        var problems = new List<LeaseProblemEventArgs>();
        EventHandler<LeaseProblemEventArgs> handler = (_, e) => { lock (problems) problems.Add(e); };
        bool wasEnabled = LeaseDiagnostics.Enabled;
        LeaseDiagnostics.Enabled = true;
        LeaseDiagnostics.ProblemDetected += handler;
        try
        {
            using RingImageSource image = ImageWithBlocks(blocks: 2, packetsPerBlock: 3);
            LeaseAndForget(image);
            Assert.Equal(1, image.LeasedBlocks);
            for (int i = 0; i < 10 && image.LeasedBlocks > 0; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            Assert.Equal(0, image.LeasedBlocks); // the forgotten block went back
            lock (problems)
            {
                LeaseProblemEventArgs leak = Assert.Single(problems, p => p.Problem == LeaseProblem.NotDisposed && p.LeasedAt is not null && p.LeasedAt.Contains(nameof(LeaseAndForget)));
                Assert.Contains("never disposed", leak.ToString());
            }

            Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? twice));
            twice!.Dispose();
            twice.Dispose();
            lock (problems)
            {
                LeaseProblemEventArgs again = Assert.Single(problems, p => p.Problem == LeaseProblem.DisposedTwice);
                Assert.Contains(nameof(A_forgotten_lease_comes_back_through_the_collector_and_is_reported_with_its_stack), again.FirstDisposedAt);
            }
        }
        finally
        {
            LeaseDiagnostics.ProblemDetected -= handler;
            LeaseDiagnostics.Enabled = wasEnabled;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void LeaseAndForget(RingImageSource image) => Assert.Equal(CaptureStatus.Packet, image.NextBlock(out _));

    [Fact]
    public void A_subscriber_that_never_disposes_does_not_stall_the_capture_for_good()
    {
        // Subscribe(b => count++) without disposing: the library gives the forgotten blocks back through the collector.
        using var image = new RingImageSource(blockSize: 4096, blockCount: 4, replayLimit: 12);
        for (int b = 0; b < 4; b++)
        {
            Assert.True(image.TryAddPacket(LeaseRace.FrameOf(b)));
            image.RetireBlock();
        }
        int count = 0;
        using var done = new ManualResetEventSlim();
        using IDisposable subscription = image.ToObservable().Subscribe(_ => Interlocked.Increment(ref count), () => done.Set());
        Assert.True(done.Wait(TimeSpan.FromSeconds(30)), $"the capture stalled after {count} blocks");
        Assert.Equal(12, count);
    }

    [Fact]
    public void Packets_of_earlier_blocks_stay_dead_although_the_packet_calls_reuse_their_lease_object()
    {
        // Three slots of 3, 1 and 7 packets, replayed to nine blocks: each slot is leased three times, and the packet
        // calls carry every lease on the one lease object they re-arm (PacketBlock.Spare.cs), across sizes and epochs.
        int[] sizes = [3, 1, 7];
        const int Blocks = 9;
        using var image = new RingImageSource(blockSize: 1 << 14, blockCount: sizes.Length, replayLimit: Blocks);
        long s = 0;
        foreach (int size in sizes)
        {
            for (int p = 0; p < size; p++) Assert.True(image.TryAddPacket(LeaseRace.FrameOf(s++)));
            image.RetireBlock();
        }
        // Every packet but each block's first is read as a PacketRef and kept. Each block's first goes to a callback
        // (NextPacket), which runs after the re-arm and before anything moves the generation again: inside it, every
        // packet kept so far, the last one of the block before among them, must read as dead.
        var earlier = new List<PacketRef>();
        long read = 0, expected = 0;
        var failures = new List<string>();
        PacketCallback first = (data, _, _, _) =>
        {
            if (Frames.SequenceOf(data) != expected) failures.Add($"the callback got frame {Frames.SequenceOf(data)}, not {expected}");
            foreach (PacketRef old in earlier)
            {
                if (old.IsValid) failures.Add($"a PacketRef of frame {old.CapturedLength} bytes long, read before, is valid again");
                try
                {
                    _ = old.Detach();
                    failures.Add("a PacketRef read before could still be detached");
                }
                catch (ObjectDisposedException)
                {
                    // dead, as it must be
                }
            }
        };
        for (int block = 0; block < Blocks; block++)
        {
            int size = sizes[block % sizes.Length];
            expected = sizes.Take(block % sizes.Length).Sum();
            Assert.Equal(CaptureStatus.Packet, image.NextPacket(first));
            Assert.Empty(failures);
            read++;
            expected++;
            Assert.Equal(read - 1 + size, image.PacketsRead); // the meter counted this block's own size
            for (int p = 1; p < size; p++)
            {
                Assert.Equal(CaptureStatus.Packet, image.NextPacketRef(out PacketRef packet));
                Assert.Equal(expected++, Frames.SequenceOf(packet.Data));
                Assert.True(packet.IsValid);
                Assert.All(earlier, old => Assert.False(old.IsValid)); // also while the generation moves per packet
                earlier.Add(packet);
                read++;
            }
        }
        Assert.Equal(sizes.Sum() * Blocks / sizes.Length, read);
        Assert.Equal(CaptureStatus.Stopped, image.NextPacketRef(out _));
        foreach (PacketRef old in earlier) Assert.False(old.IsValid);
        Assert.Equal(0, image.LeasedBlocks);
    }
    [Fact]
    public void Filtered_blocks_read_by_the_packet_calls_never_share_a_selection_bitmap()
    {
        // A filtered block holds a selection bitmap, which goes back to its pool when the block is disposed: its lease
        // object must never carry the next block (PacketBlock.CanRearm), or it would go on writing a bitmap the pool
        // hands to the next block leased anywhere. Two filtered files in 4 KiB blocks, in turn: one read a packet at a
        // time, the other a block at a time, each block held until the next is taken (so its new block rents a
        // bitmap while the first source's old one is free). Every packet must be the next its own filter keeps.
        // Record i holds frame (73 i mod 3000): sizes vary within every block, so each filter keeps part of nearly every
        // block and its view needs its bitmap (a block a filter keeps whole, or drops, needs none).
        const int Records = 3000;
        long[] order = [.. Enumerable.Range(0, Records).Select(i => (long)(i * 73 % Records))];
        var file = new CaptureFileBuilder(false).PcapHeader(0xA1B2C3D4, 2, 4, 65535, 1);
        for (int i = 0; i < Records; i++)
        {
            byte[] frame = LeaseRace.FrameOf(order[i]);
            file.PcapRecord((uint)i, 0, (uint)frame.Length, (uint)frame.Length, frame);
        }
        byte[] bytes = file.ToArray();
        long[] Kept(Func<int, bool> keeps) => [.. order.Where(s => keeps(LeaseRace.SizeOf(s)))];
        long[] large = Kept(size => size >= 200), small = Kept(size => size <= 120);
        CaptureFileSource Open(string filter) =>
            CaptureFileSource.Open(new MemoryStream(bytes), filter, options: new CaptureFileOptions { Filter = filter, BlockSize = 4096 });
        using CaptureFileSource byPacket = Open("greater 200"), byBlock = Open("less 120");
        int nextLarge = 0, nextSmall = 0;
        PacketBlock? held = null;
        try
        {
            bool packets = true, blocks = true;
            while (packets || blocks)
            {
                if (packets && (packets = byPacket.NextPacketRef(out PacketRef p) == CaptureStatus.Packet))
                {
                    Assert.True(nextLarge < large.Length, $"the packet calls read more than the {large.Length} packets their filter keeps");
                    Assert.Equal(large[nextLarge++], Frames.SequenceOf(p.Data));
                }
                if (blocks && (blocks = byBlock.NextBlock(out PacketBlock? block) == CaptureStatus.Packet))
                {
                    foreach (PacketRef q in block!)
                    {
                        Assert.True(nextSmall < small.Length, $"the blocks showed more than the {small.Length} packets their filter keeps");
                        Assert.Equal(small[nextSmall++], Frames.SequenceOf(q.Data));
                    }
                    held?.Dispose();
                    held = block;
                }
            }
        }
        finally
        {
            held?.Dispose();
        }
        Assert.Equal(large.Length, nextLarge);
        Assert.Equal(small.Length, nextSmall);
    }
}
