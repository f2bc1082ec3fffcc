namespace SlimCap.Reactive.Tests.Reactive;

/// <summary>The opt-in inline scheduling of <c>await foreach</c>: same results, the loop body runs on the capture thread.</summary>
public class InlineAsyncEnumerationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly CaptureAsyncOptions Inline = new() { UnsafePreferInlineScheduling = true, BoundedCapacity = 2 };

    [Fact]
    public async Task Inline_enumeration_sees_every_packet_once_in_order()
    {
        using var source = new TestCaptureSource(5000, packetsPerBlock: 16, poolBlocks: 3);
        var seen = new List<long>();
        await foreach (PacketRef p in source.ReadAllAsync(Inline, Ct)) seen.Add(TestTraffic.IndexOf(p));
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => (long)i), seen);
        Assert.True(source.AllBlocksReturned);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task After_waiting_the_loop_body_resumes_on_the_capture_thread_only_when_inline(bool inline)
    {
        // The consumer drains the first block, then must wait; the block published meanwhile resumes it on
        // the capture thread (a dedicated thread) when inline, on a pool thread otherwise.
        using var image = new RingImageSource();
        for (int i = 0; i < 10; i++) Assert.True(image.TryAddPacket(Infrastructure.Frames.Udp(i)));
        image.RetireBlock();
        int count = 0;
        bool? resumedOnPool = null;
        Task publisher = Task.Run(() =>
        {
            SpinWait.SpinUntil(() => Volatile.Read(ref count) == 10 && image.ReaderWaiting, 10_000);
            Thread.Sleep(50); // let the consumer's MoveNextAsync register its wait
            for (int i = 10; i < 20; i++) image.TryAddPacket(Infrastructure.Frames.Udp(i));
            image.Complete();
        }, Ct);
        var options = new CaptureAsyncOptions { UnsafePreferInlineScheduling = inline };
        await foreach (PacketRef p in image.ReadAllAsync(options, Ct).ConfigureAwait(false))
        {
            if (count == 10) resumedOnPool = Thread.CurrentThread.IsThreadPoolThread;
            Assert.Equal(count, Infrastructure.Frames.SequenceOf(p.Data));
            Volatile.Write(ref count, count + 1);
        }
        await publisher;
        Assert.Equal(20, count);
        Assert.Equal(!inline, resumedOnPool);
    }

    [Fact]
    public async Task Inline_enumeration_stops_on_break_and_on_cancel_and_returns_every_block()
    {
        using (var source = new TestCaptureSource(100_000, packetsPerBlock: 16, poolBlocks: 3, waitAtEnd: true))
        {
            int n = 0;
            await foreach (PacketRef p in source.ReadAllAsync(Inline, Ct))
            {
                if (++n == 1000) break;
            }
            Assert.Equal(1000, n);
            Assert.True(source.AllBlocksReturned);
        }
        using (var source = new TestCaptureSource(100_000, packetsPerBlock: 16, poolBlocks: 3, waitAtEnd: true))
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            int n = 0;
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (PacketRef p in source.ReadAllAsync(Inline, cancel.Token))
                {
                    if (++n == 500) cancel.Cancel();
                }
            });
            Assert.True(source.AllBlocksReturned);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new TestCaptureSource(1).ReadAllAsync(new CaptureAsyncOptions { BoundedCapacity = 0 }));
    }
}
