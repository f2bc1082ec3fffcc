using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Reactive;

/// <summary>
/// Every surface captures on one kind of thread: a background thread (a host that forgets to stop a capture still
/// exits) named after what it captures. On main before this test the Rx and async threads were foreground and unnamed.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class CaptureThreadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Surfaces() => ["rx source", "rx factory", "async", "dataflow"];

    [Theory]
    [MemberData(nameof(Surfaces))]
    public async Task The_capture_thread_is_a_background_thread_named_after_the_source(string surface)
    {
        using var image = new RingImageSource(blockSize: 8192, blockCount: 2, name: "img7");
        var thread = await CaptureThreadOf(surface, image, () => ImageWithPackets("img8"));
        Assert.True(thread.IsBackground, $"{surface}: the capture thread is a foreground thread");
        Assert.Equal(surface == "rx factory" ? "SlimCap capture img8" : "SlimCap capture img7", thread.Name);
    }

    [Fact]
    public async Task A_live_ring_capture_thread_carries_the_interface_name()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using RingSource ring = net.Capture(() => new RingSource(net.CaptureInterface, new RingOptions { BlockTimeout = TimeSpan.FromMilliseconds(5) }));
        using var traffic = new CancellationTokenSource();
        Thread sender = net.StartTraffic(traffic.Token, maxFrames: 100_000, maxSeconds: 20);
        try
        {
            var thread = await CaptureThreadOf("rx source", ring, () => throw new InvalidOperationException());
            Assert.True(thread.IsBackground);
            Assert.Equal("SlimCap capture " + net.CaptureInterface, thread.Name);
        }
        finally
        {
            traffic.Cancel();
            sender.Join();
        }
    }

    /// <summary>The thread that delivered the first block through <paramref name="surface"/>.</summary>
    private static async Task<(string? Name, bool IsBackground)> CaptureThreadOf(string surface, CaptureSource source, Func<CaptureSource> open)
    {
        if (source is RingImageSource image && surface != "async") Fill(image);
        var seen = new TaskCompletionSource<(string? Name, bool IsBackground)>(TaskCreationOptions.RunContinuationsAsynchronously);
        switch (surface)
        {
            case "rx source":
            case "rx factory":
                IObservable<PacketBlock> blocks = surface == "rx source" ? source.ToObservable() : CaptureObservable.Create(open);
                using (blocks.Subscribe(b =>
                {
                    seen.TrySetResult(Describe(Thread.CurrentThread));
                    b.Dispose();
                }))
                {
                    return await seen.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
                }
            case "async":
                // A loop waiting for a block resumes on the capture thread (opt-in): that shows which thread it is.
                await using (IAsyncEnumerator<PacketRef> packets = source.ReadAllAsync(new CaptureAsyncOptions { Continuation = AsyncContinuation.CaptureThread }, Ct).GetAsyncEnumerator(Ct))
                {
                    ValueTask<bool> first = packets.MoveNextAsync();
                    Assert.False(first.IsCompleted, "the image is empty: the loop waits");
                    Task<(string? Name, bool IsBackground)> resumed = ResumedOn(first); // registered before the block exists
                    Fill((RingImageSource)source);
                    return await resumed;
                }
            default:
                var target = new RecordingTarget(seen);
                using (var fanOut = new PacketBroadcaster([target]))
                {
                    using var stop = new CancellationTokenSource();
                    Task run = fanOut.RunAsync(source, stop.Token);
                    var thread = await seen.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
                    stop.Cancel();
                    await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
                    return thread;
                }
        }
    }

    private static async Task<(string? Name, bool IsBackground)> ResumedOn(ValueTask<bool> move)
    {
        Assert.True(await move.ConfigureAwait(false));
        return Describe(Thread.CurrentThread);
    }

    private static (string? Name, bool IsBackground) Describe(Thread thread) => (thread.Name, thread.IsBackground);

    private static RingImageSource ImageWithPackets(string name)
    {
        var image = new RingImageSource(blockSize: 8192, blockCount: 2, name: name);
        Fill(image);
        return image;
    }

    private static void Fill(RingImageSource image)
    {
        Span<byte> frame = stackalloc byte[TestTraffic.FrameLength];
        for (long i = 0; i < 10; i++) image.TryAddPacket(frame[..TestTraffic.Write(i, frame)]);
        image.RetireBlock();
    }

    /// <summary>A Dataflow target that notes the thread offering it the first block (the fan-out offers on the capture thread).</summary>
    private sealed class RecordingTarget(TaskCompletionSource<(string? Name, bool IsBackground)> seen) : ITargetBlock<PacketBlock>
    {
        private readonly TaskCompletionSource _completion = new();

        public Task Completion => _completion.Task;

        public DataflowMessageStatus OfferMessage(DataflowMessageHeader messageHeader, PacketBlock messageValue, ISourceBlock<PacketBlock>? source, bool consumeToAccept)
        {
            if (consumeToAccept) messageValue = source!.ConsumeMessage(messageHeader, this, out _)!;
            seen.TrySetResult(Describe(Thread.CurrentThread));
            messageValue.Dispose();
            return DataflowMessageStatus.Accepted;
        }

        public void Complete() => _completion.TrySetResult();

        public void Fault(Exception exception) => _completion.TrySetException(exception);
    }
}
