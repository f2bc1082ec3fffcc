using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Reactive;

/// <summary>
/// Where <c>await foreach</c> resumes after waiting for a block (<see cref="AsyncContinuation"/>): every mode sees the
/// same packets and stops the same way; only the thread that runs the loop body differs.
/// </summary>
public class AsyncContinuationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<AsyncContinuation> Modes => [AsyncContinuation.ConsumerThread, AsyncContinuation.ThreadPool, AsyncContinuation.CaptureThread];

    private static CaptureAsyncOptions Options(AsyncContinuation mode) => new() { Continuation = mode, BoundedCapacity = 2 };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Every_mode_sees_every_packet_once_in_order(AsyncContinuation mode)
    {
        using var source = new TestCaptureSource(5000, packetsPerBlock: 16, poolBlocks: 3);
        var seen = new List<long>();
        await foreach (PacketRef p in source.ReadAllAsync(Options(mode), Ct)) seen.Add(TestTraffic.IndexOf(p));
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => (long)i), seen);
        Assert.True(source.AllBlocksReturned);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task After_waiting_the_loop_body_resumes_where_the_mode_says_and_the_consumer_thread_ends_with_the_enumeration(AsyncContinuation mode)
    {
        // The consumer drains the first block, then must wait; the block published meanwhile resumes it.
        using var image = new RingImageSource();
        for (int i = 0; i < 10; i++) Assert.True(image.TryAddPacket(Infrastructure.Frames.Udp(i)));
        image.RetireBlock();
        int count = 0;
        Thread? resumedOn = null;
        bool onPool = false;
        string? name = null;
        Task publisher = Task.Run(() =>
        {
            SpinWait.SpinUntil(() => Volatile.Read(ref count) == 10 && image.ReaderWaiting, 10_000);
            Thread.Sleep(50); // let the consumer's MoveNextAsync register its wait
            for (int i = 10; i < 20; i++) image.TryAddPacket(Infrastructure.Frames.Udp(i));
            image.Complete();
        }, Ct);
        await foreach (PacketRef p in image.ReadAllAsync(Options(mode), Ct).ConfigureAwait(false))
        {
            if (count == 10)
            {
                resumedOn = Thread.CurrentThread;
                onPool = resumedOn.IsThreadPoolThread;
                name = resumedOn.Name;
            }
            Assert.Equal(count, Infrastructure.Frames.SequenceOf(p.Data));
            Volatile.Write(ref count, count + 1);
        }
        await publisher;
        // The code after the loop continues where the last MoveNextAsync completed, possibly the thread under test.
        await Task.Yield();
        Assert.Equal(20, count);
        Assert.NotNull(resumedOn);
        Assert.Equal(mode == AsyncContinuation.ThreadPool, onPool);
        Assert.Equal(mode == AsyncContinuation.ConsumerThread, name == "SlimCap consumer");
        if (mode != AsyncContinuation.ThreadPool)
        {
            // Neither the consumer thread nor the capture thread outlives the enumeration.
            Assert.True(SpinWait.SpinUntil(() => !resumedOn.IsAlive, 10_000), $"{name ?? "the capture thread"} is still alive");
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Every_mode_stops_on_break_and_on_cancel_and_returns_every_block(AsyncContinuation mode)
    {
        using (var source = new TestCaptureSource(100_000, packetsPerBlock: 16, poolBlocks: 3, waitAtEnd: true))
        {
            int n = 0;
            await foreach (PacketRef p in source.ReadAllAsync(Options(mode), Ct))
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
                await foreach (PacketRef p in source.ReadAllAsync(Options(mode), cancel.Token))
                {
                    if (++n == 500) cancel.Cancel();
                }
            });
            Assert.True(source.AllBlocksReturned);
        }
    }

    [Fact]
    public void Options_out_of_range_are_refused_with_the_option_named()
    {
        var source = new TestCaptureSource(1);
        Assert.Throws<InvalidCaptureOptionException>(() => source.ReadAllAsync(new CaptureAsyncOptions { BoundedCapacity = 0 }));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => source.ReadAllAsync(new CaptureAsyncOptions { Continuation = (AsyncContinuation)7 }));
        Assert.Contains("CaptureAsyncOptions.Continuation", e.Message);
    }
}
