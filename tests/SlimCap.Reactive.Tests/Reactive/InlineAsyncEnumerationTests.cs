namespace SlimCap.Reactive.Tests.Reactive;

/// <summary>The opt-in inline scheduling of <c>await foreach</c>: same results, the loop body runs on the capture thread.</summary>
public class InlineAsyncEnumerationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly CaptureAsyncOptions Inline = new() { UnsafePreferInlineScheduling = true, BoundedCapacity = 2 };

    [Fact]
    public async Task Inline_enumeration_sees_every_packet_once_in_order_on_the_capture_thread()
    {
        using var source = new TestCaptureSource(5000, packetsPerBlock: 16, poolBlocks: 3);
        var seen = new List<long>();
        var threads = new HashSet<int>();
        int testThread = Environment.CurrentManagedThreadId;
        await foreach (PacketRef p in source.ReadAllAsync(Inline, Ct))
        {
            seen.Add(TestTraffic.IndexOf(p));
            if (seen.Count > 100) threads.Add(Environment.CurrentManagedThreadId);
        }
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => (long)i), seen);
        Assert.True(source.AllBlocksReturned);
        Assert.Single(threads); // after the first wait, every block is consumed on the one capture thread
        Assert.DoesNotContain(testThread, threads);
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
