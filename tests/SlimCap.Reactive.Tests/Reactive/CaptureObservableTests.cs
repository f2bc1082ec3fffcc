using System.Reactive.Concurrency;
using System.Reactive.Linq;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Reactive;

public class CaptureObservableTests
{
    private static List<long> Range(long count) => Enumerable.Range(0, (int)count).Select(i => (long)i).ToList();

    [Fact]
    public async Task Factory_stream_delivers_every_packet_once_in_order_then_completes_and_returns_every_block()
    {
        TestCaptureSource? opened = null;
        var recorder = new BlockRecorder();
        using (CaptureObservable.Create(() => opened = new TestCaptureSource(1000, packetsPerBlock: 16, poolBlocks: 3)).Subscribe(recorder))
        {
            await recorder.WaitDoneAsync();
        }
        Assert.True(recorder.Completed);
        Assert.Null(recorder.Error);
        Assert.Equal(Range(1000), recorder.Indices);
        Assert.Equal((1000 + 15) / 16, recorder.Blocks);
        Assert.NotNull(opened);
        Assert.True(opened!.IsDisposed, "a factory source is disposed when its capture ends");
        Assert.True(opened.AllBlocksReturned);
    }

    [Fact]
    public async Task Capture_runs_on_a_dedicated_thread_not_the_thread_pool()
    {
        bool? poolThread = null;
        using var source = new TestCaptureSource(10);
        var done = new TaskCompletionSource();
        using IDisposable _ = source.ToObservable().Subscribe(b =>
        {
            poolThread ??= Thread.CurrentThread.IsThreadPoolThread;
            b.Dispose();
        }, () => done.TrySetResult());
        await done.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.False(poolThread);
    }

    [Fact]
    public async Task Two_factory_subscribers_are_independent_captures()
    {
        var sources = new List<TestCaptureSource>();
        IObservable<PacketBlock> stream = CaptureObservable.Create(() =>
        {
            var s = new TestCaptureSource(500, packetsPerBlock: 10, poolBlocks: 2);
            lock (sources) sources.Add(s);
            return s;
        });
        var a = new BlockRecorder();
        var b = new BlockRecorder();
        using (stream.Subscribe(a))
        using (stream.Subscribe(b))
        {
            await Task.WhenAll(a.WaitDoneAsync(), b.WaitDoneAsync());
        }
        Assert.Equal(Range(500), a.Indices);
        Assert.Equal(Range(500), b.Indices);
        Assert.Equal(2, sources.Count);
        Assert.NotSame(sources[0], sources[1]);
        Assert.All(sources, s => Assert.True(s.AllBlocksReturned));
    }

    [Fact]
    public async Task Existing_source_serves_one_subscription_at_a_time_and_can_be_resubscribed()
    {
        using var source = new TestCaptureSource(100, packetsPerBlock: 10, waitAtEnd: true);
        var first = new BlockRecorder();
        IDisposable firstSubscription = source.ToObservable().Subscribe(first);
        var second = new BlockRecorder();
        using (source.ToObservable().Subscribe(second))
        {
            await second.WaitDoneAsync();
        }
        Assert.IsType<InvalidOperationException>(second.Error);
        Assert.Contains("already being read", second.Error!.Message);

        Assert.True(SpinWait.SpinUntil(() => first.Indices.Count == 100, 10_000));
        firstSubscription.Dispose();
        Assert.False(first.Completed, "disposing does not complete the stream");
        Assert.False(source.IsDisposed, "the caller owns an existing source");
        Assert.True(source.AllBlocksReturned);

        // The source is free again: a new subscription is accepted (no error), reads on where the first stopped (the
        // source is drained, so nothing arrives), and closing the source completes it.
        var third = new BlockRecorder();
        using (source.ToObservable().Subscribe(third))
        {
            source.Dispose();
            await third.WaitDoneAsync();
        }
        Assert.True(third.Completed);
        Assert.Null(third.Error);
        Assert.Empty(third.Indices);
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public async Task Disposing_the_subscription_stops_a_blocked_capture_and_every_block_is_back_when_Dispose_returns()
    {
        using var source = new TestCaptureSource(1_000_000, packetsPerBlock: 8, poolBlocks: 2, waitAtEnd: true);
        var recorder = new BlockRecorder();
        IDisposable subscription = source.ToObservable().Subscribe(recorder);
        for (int i = 0; i < 5; i++) Assert.True(await recorder.Arrived.WaitAsync(10_000, TestContext.Current.CancellationToken));
        subscription.Dispose();
        Assert.True(source.AllBlocksReturned);
        Assert.False(recorder.Completed);
        Assert.Null(recorder.Error);
        List<long> seen = recorder.Indices;
        Assert.Equal(Range(seen.Count), seen);

        // A capture blocked at the end of its data (live-like) is woken by disposal too.
        using var idle = new TestCaptureSource(3, waitAtEnd: true);
        var idleRecorder = new BlockRecorder();
        IDisposable idleSubscription = idle.ToObservable().Subscribe(idleRecorder);
        Assert.True(await idleRecorder.Arrived.WaitAsync(10_000, TestContext.Current.CancellationToken));
        idleSubscription.Dispose();
        Assert.True(idle.AllBlocksReturned);
    }

    [Fact]
    public async Task Take_disposes_from_the_capture_thread_without_deadlock_and_returns_every_block()
    {
        // Rx's Take drops what arrives after it is done, so blocks are read and disposed before it.
        TestCaptureSource? opened = null;
        IList<long> firsts = await CaptureObservable.Create(() => opened = new TestCaptureSource(10_000, packetsPerBlock: 4, poolBlocks: 2))
            .Select(b =>
            {
                PacketBlock.Enumerator e = b.GetEnumerator();
                Assert.True(e.MoveNext());
                long first = TestTraffic.IndexOf(e.Current);
                b.Dispose();
                return first;
            })
            .Take(3)
            .ToList()
            .RunAsync(TestContext.Current.CancellationToken);
        await Task.Yield(); // RunAsync may resume on the capture thread: leave it before waiting for the capture to end
        Assert.Equal(new long[] { 0, 4, 8 }, firsts);
        Assert.True(SpinWait.SpinUntil(() => opened!.IsDisposed, 10_000));
        Assert.True(opened!.AllBlocksReturned);
    }

    [Fact]
    public async Task Capture_failure_arrives_as_OnError_with_the_typed_exception_after_the_blocks_read_before_it()
    {
        TestCaptureSource? opened = null;
        var recorder = new BlockRecorder();
        using (CaptureObservable.Create(() => opened = new TestCaptureSource(1000, packetsPerBlock: 10, failAfterBlocks: 5)).Subscribe(recorder))
        {
            await recorder.WaitDoneAsync();
        }
        Assert.IsType<CaptureException>(recorder.Error);
        Assert.False(recorder.Completed);
        Assert.Equal(Range(50), recorder.Indices);
        Assert.True(opened!.IsDisposed);
        Assert.True(opened.AllBlocksReturned);
    }

    [Fact]
    public async Task Factory_exception_arrives_as_OnError()
    {
        var recorder = new BlockRecorder();
        using (CaptureObservable.Create(() => throw new InterfaceNotFoundException("nope0", ["lo"])).Subscribe(recorder))
        {
            await recorder.WaitDoneAsync();
        }
        Assert.IsType<InterfaceNotFoundException>(recorder.Error);
    }

    [Fact]
    public async Task Observer_exception_is_reported_to_the_fault_hook_after_every_lease_was_released()
    {
        using var source = new TestCaptureSource(1000, packetsPerBlock: 10, poolBlocks: 3);
        int calls = 0;
        var boom = new InvalidOperationException("observer bug");
        using var probe = new ObserverFaultProbe(boom);
        var observer = new FaultingObserver(b =>
        {
            // Keep the block (no dispose) and throw on the third: the capture must release it.
            if (++calls == 3) throw boom;
            b.Dispose();
        });
        using IDisposable _ = source.ToObservable().Subscribe(observer);
        ObserverFaultEventArgs fault = await probe.Fault.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Same(observer, fault.Observer);
        Assert.True(source.AllBlocksReturned, "the hook runs after the capture released every block");
        Assert.True(probe.RaisedOn!.Join(10_000), "the capture thread ended");
        Assert.Equal(3, calls);
        Assert.False(observer.Terminated, "an observer that threw hears nothing more");

        // The observer's throw ended that capture; the source can be read again.
        var recorder = new BlockRecorder();
        using (source.ToObservable().Subscribe(recorder)) await recorder.WaitDoneAsync();
        Assert.Equal(Enumerable.Range(30, 970).Select(i => (long)i), recorder.Indices);
    }

    [Fact]
    public async Task ObserveOn_another_thread_while_holding_blocks_sees_every_packet_and_releases_out_of_order()
    {
        TestCaptureSource? opened = null;
        var held = new List<PacketBlock>();
        var indices = new List<long>();
        var done = new TaskCompletionSource();
        int captureThread = 0, observerThread = 0;
        using (CaptureObservable.Create(() => opened = new TestCaptureSource(2000, packetsPerBlock: 10, poolBlocks: 4))
                   .Do(_ => captureThread = Environment.CurrentManagedThreadId)
                   .ObserveOn(DefaultScheduler.Instance)
                   .Subscribe(b =>
                   {
                       observerThread = Environment.CurrentManagedThreadId;
                       foreach (PacketRef p in b) indices.Add(TestTraffic.IndexOf(p));
                       held.Add(b);
                       // Keep the very first block to the end; release the others newest-first once two are held.
                       if (held.Count == 3)
                       {
                           held[2].Dispose();
                           held[1].Dispose();
                           held.RemoveRange(1, 2);
                       }
                   }, () =>
                   {
                       // Packets of a held block are still readable, in order.
                       PacketBlock.Enumerator e = held[0].GetEnumerator();
                       Assert.True(e.MoveNext());
                       Assert.Equal(0, TestTraffic.IndexOf(e.Current));
                       foreach (PacketBlock b in held) b.Dispose();
                       done.TrySetResult();
                   }))
        {
            await done.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }
        Assert.NotEqual(captureThread, observerThread);
        Assert.Equal(Range(2000), indices);
        Assert.True(opened!.AllBlocksReturned);
    }

    [Fact]
    public void Arguments_are_validated_when_the_operator_is_applied()
    {
        Assert.Throws<ArgumentNullException>(() => CaptureObservable.Create(null!));
        Assert.Throws<ArgumentNullException>(() => ((CaptureSource)null!).ToObservable());
        using var source = new TestCaptureSource(1);
        Assert.Throws<ArgumentNullException>(() => source.ToObservable(null!));
        Assert.Throws<ArgumentException>(() => source.ToObservable(ImmediateScheduler.Instance));
    }

    /// <summary>An observer whose OnNext runs <paramref name="onNext"/> (which may throw) and that records terminal messages.</summary>
    private sealed class FaultingObserver(Action<PacketBlock> onNext) : IObserver<PacketBlock>
    {
        public bool Terminated { get; private set; }

        public void OnNext(PacketBlock value) => onNext(value);

        public void OnError(Exception error) => Terminated = true;

        public void OnCompleted() => Terminated = true;
    }
}
