using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Reactive;

public class CaptureAsyncEnumerableTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Await_foreach_sees_every_packet_once_in_order_and_returns_every_block()
    {
        using var source = new TestCaptureSource(5000, packetsPerBlock: 16, poolBlocks: 3);
        var seen = new List<long>();
        await foreach (PacketRef p in source.ReadAllAsync(Ct))
        {
            seen.Add(TestTraffic.IndexOf(p));
            Assert.Equal(TestTraffic.TypeOf(seen.Count - 1), p.Type);
        }
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => (long)i), seen);
        Assert.True(source.AllBlocksReturned);
        Assert.False(source.IsDisposed, "the caller owns an existing source");
    }

    // `await foreach` over ReadAllAsync binds to the concrete enumerator; LINQ, WithCancellation and any code holding
    // an IAsyncEnumerable<PacketRef> go through the interface. Both are the same enumeration.
    [Fact]
    public async Task The_concrete_and_the_interface_enumerations_see_the_same_packets()
    {
        using var first = new TestCaptureSource(500, packetsPerBlock: 16);
        using var second = new TestCaptureSource(500, packetsPerBlock: 16);
        var direct = new List<long>();
        var viaInterface = new List<long>();
        await foreach (PacketRef p in first.ReadAllAsync(Ct)) direct.Add(TestTraffic.IndexOf(p));
        IAsyncEnumerable<PacketRef> stream = second.ReadAllAsync(Ct);
        await foreach (PacketRef p in stream) viaInterface.Add(TestTraffic.IndexOf(p));
        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), direct);
        Assert.Equal(direct, viaInterface);
        Assert.True(first.AllBlocksReturned && second.AllBlocksReturned);
    }

    // The public enumerator is also the value-task source of its waits: a caller that reaches that interface with a
    // token of its own gets a typed error, and the enumeration goes on unharmed.
    [Fact]
    public async Task The_enumerators_value_task_source_refuses_a_foreign_token()
    {
        using var source = new TestCaptureSource(40, packetsPerBlock: 8);
        await using CapturePacketEnumerator e = source.ReadAllAsync(Ct).GetAsyncEnumerator(Ct);
        Assert.True(await e.MoveNextAsync());
        var valueTaskSource = (System.Threading.Tasks.Sources.IValueTaskSource<bool>)e;
        Assert.Throws<InvalidOperationException>(() => valueTaskSource.GetStatus(12345));
        Assert.Throws<InvalidOperationException>(() => valueTaskSource.GetResult(12345));
        Assert.Throws<InvalidOperationException>(() => valueTaskSource.OnCompleted(_ => { }, null, 12345, default));
        int n = 1;
        while (await e.MoveNextAsync()) Assert.Equal(n++, TestTraffic.IndexOf(e.Current));
        Assert.Equal(40, n);
    }

    [Fact]
    public async Task Factory_enumeration_opens_and_disposes_its_own_source()
    {
        TestCaptureSource? opened = null;
        long count = 0;
        await foreach (PacketRef p in CaptureAsyncEnumerable.ReadAllAsync(() => opened = new TestCaptureSource(300), 2, Ct))
        {
            Assert.Equal(count++, TestTraffic.IndexOf(p));
        }
        Assert.Equal(300, count);
        Assert.True(opened!.IsDisposed);
        Assert.True(opened.AllBlocksReturned);
    }

    // A ring image's close takes its blocks as a kernel ring's does, so the current one goes stale under the loop body.
    private static RingImageSource RingOf(int blocks, int packetsPerBlock)
    {
        var image = new RingImageSource(blockSize: 4096, blockCount: blocks, replayLimit: blocks);
        long s = 0;
        for (int b = 0; b < blocks; b++)
        {
            for (int i = 0; i < packetsPerBlock; i++) Assert.True(image.TryAddPacket(LeaseRace.FrameOf(s++)));
            image.RetireBlock();
        }
        return image;
    }

    // The source closed under the enumeration's current block: the enumeration ends, as a close between blocks ends it,
    // instead of blaming the caller with the stale-packet error of a PacketRef kept too long.
    [Fact]
    public async Task Closing_the_source_mid_block_ends_the_enumeration()
    {
        using RingImageSource ring = RingOf(blocks: 2, packetsPerBlock: 10);
        int n = 0;
        await foreach (PacketRef p in ring.ReadAllAsync(Ct))
        {
            if (++n == 3) ring.Dispose();
        }
        Assert.Equal(3, n);
    }

    // A source whose blocks outlive its close (managed memory) ends at the current block's end: what was read ahead
    // after the close is not shown.
    [Fact]
    public async Task Closing_a_source_whose_blocks_stay_readable_ends_at_the_blocks_end()
    {
        using var source = new TestCaptureSource(64, packetsPerBlock: 16);
        int n = 0;
        await foreach (PacketRef p in source.ReadAllAsync(Ct))
        {
            Assert.Equal(n, TestTraffic.IndexOf(p));
            if (++n == 3) source.Dispose();
        }
        Assert.Equal(16, n);
    }

    // Cancelled, then closed before the loop body reached the next block: the cancellation is what ended it.
    [Fact]
    public async Task Cancelling_then_closing_mid_block_throws_the_cancellation()
    {
        using RingImageSource ring = RingOf(blocks: 2, packetsPerBlock: 10);
        using var cancel = new CancellationTokenSource();
        int n = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (PacketRef p in ring.ReadAllAsync(cancel.Token))
            {
                if (++n == 3)
                {
                    cancel.Cancel();
                    ring.Dispose();
                }
            }
        });
        Assert.Equal(3, n);
    }

    [Fact]
    public async Task A_packet_is_valid_until_the_next_iteration()
    {
        using var source = new TestCaptureSource(64, packetsPerBlock: 8);
        PacketRef previous = default;
        int n = 0;
        await foreach (PacketRef p in source.ReadAllAsync(Ct))
        {
            Assert.Equal(n, TestTraffic.IndexOf(p));
            if (n > 0)
            {
                // The enumeration moved on: the previous packet is gone, in the same block or not.
                Assert.False(previous.IsValid);
                Assert.Throws<ObjectDisposedException>(() => previous.Data.Length);
                Assert.Throws<ObjectDisposedException>(() => previous.Detach());
            }
            previous = p;
            n++;
        }
        Assert.Equal(64, n);
    }

    [Fact]
    public async Task Break_stops_the_capture_and_returns_every_block()
    {
        using var source = new TestCaptureSource(1_000_000, packetsPerBlock: 16, poolBlocks: 4, waitAtEnd: true);
        int n = 0;
        await foreach (PacketRef p in source.ReadAllAsync(Ct))
        {
            if (++n == 1000) break;
        }
        Assert.True(source.AllBlocksReturned);
        // The source is free for the next reader, which continues where the capture stopped.
        await foreach (PacketRef p in source.ReadAllAsync(Ct))
        {
            Assert.True(TestTraffic.IndexOf(p) >= 1000);
            break;
        }
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public async Task WithCancellation_stops_a_waiting_enumeration_and_returns_every_block()
    {
        using var source = new TestCaptureSource(40, packetsPerBlock: 8, poolBlocks: 2, waitAtEnd: true);
        using var cts = new CancellationTokenSource();
        int n = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (PacketRef p in source.ReadAllAsync(Ct).WithCancellation(cts.Token))
            {
                // After the last packet the capture waits for more (live-like): cancel while it waits.
                if (++n == 40) cts.CancelAfter(50);
            }
        });
        Assert.Equal(40, n);
        Assert.True(source.AllBlocksReturned);
        Assert.False(source.IsDisposed);
    }

    [Fact]
    public async Task Cancelling_the_argument_token_while_blocks_are_queued_returns_every_block()
    {
        using var source = new TestCaptureSource(100_000, packetsPerBlock: 8, poolBlocks: 6);
        using var cts = new CancellationTokenSource();
        int n = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (PacketRef p in source.ReadAllAsync(4, cts.Token))
            {
                if (++n == 20) cts.Cancel();
            }
        });
        Assert.True(n < 100_000);
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public async Task A_cancelled_token_throws_before_anything_starts()
    {
        using var source = new TestCaptureSource(10);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (PacketRef p in source.ReadAllAsync(new CancellationToken(true))) { }
        });
        Assert.Equal(0, source.BlocksServed);
    }

    [Fact]
    public async Task Capture_failure_is_thrown_after_the_packets_read_before_it_and_leases_are_returned()
    {
        TestCaptureSource? opened = null;
        var seen = new List<long>();
        var error = await Assert.ThrowsAsync<CaptureException>(async () =>
        {
            await foreach (PacketRef p in CaptureAsyncEnumerable.ReadAllAsync(() => opened = new TestCaptureSource(1000, packetsPerBlock: 10, failAfterBlocks: 3), Ct))
            {
                seen.Add(TestTraffic.IndexOf(p));
            }
        });
        Assert.Contains("Injected", error.Message);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), seen);
        Assert.True(opened!.IsDisposed);
        Assert.True(opened.AllBlocksReturned);
    }

    [Fact]
    public async Task Consumer_exception_stops_the_capture_and_returns_every_block()
    {
        using var source = new TestCaptureSource(100_000, packetsPerBlock: 8, poolBlocks: 3);
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (PacketRef p in source.ReadAllAsync(Ct))
            {
                if (TestTraffic.IndexOf(p) == 77) throw new InvalidOperationException("consumer bug");
            }
        });
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public async Task A_second_concurrent_enumeration_of_one_source_is_refused()
    {
        using var source = new TestCaptureSource(100, waitAtEnd: true);
        await using IAsyncEnumerator<PacketRef> first = source.ReadAllAsync(Ct).GetAsyncEnumerator(Ct);
        Assert.True(await first.MoveNextAsync());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (PacketRef p in source.ReadAllAsync(Ct)) { }
        });
        Assert.Contains("already being read", error.Message);
        await first.DisposeAsync();
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public async Task Stalled_consumer_bounds_the_queue_and_the_capture_waits_instead_of_growing()
    {
        // Six pool blocks, queue of two: with the consumer holding one block, the capture can lease at most
        // 1 (held) + 2 (queued) + 1 (waiting to be queued); the rest of the pool stays free.
        using var source = new TestCaptureSource(1_000_000, packetsPerBlock: 8, poolBlocks: 6);
        await using IAsyncEnumerator<PacketRef> e = source.ReadAllAsync(2, Ct).GetAsyncEnumerator(Ct);
        Assert.True(await e.MoveNextAsync());
        Assert.True(SpinWait.SpinUntil(() => source.FreeBlocks == 2, 10_000));
        Thread.Sleep(50);
        Assert.Equal(2, source.FreeBlocks);
        Assert.Equal(4, source.BlocksServed);
        await e.DisposeAsync();
        Assert.True(source.AllBlocksReturned);
    }
}
