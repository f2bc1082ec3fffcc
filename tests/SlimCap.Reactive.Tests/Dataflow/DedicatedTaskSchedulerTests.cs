using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Dataflow;

/// <summary>The spin-free scheduler for Dataflow targets: its own threads, bounded concurrency, a clean end.</summary>
public class DedicatedTaskSchedulerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Tasks_run_on_its_own_threads_up_to_the_thread_count_in_parallel()
    {
        using var scheduler = new DedicatedTaskScheduler(2, "sched-test");
        var factory = new TaskFactory(scheduler);
        int running = 0, peak = 0;
        var names = new System.Collections.Concurrent.ConcurrentBag<string?>();
        using var bothIn = new Barrier(2);
        Task[] tasks = Enumerable.Range(0, 6).Select(i => factory.StartNew(() =>
        {
            names.Add(Thread.CurrentThread.Name);
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            if (i < 2) Assert.True(bothIn.SignalAndWait(TimeSpan.FromSeconds(10)), "two tasks did not run at once");
            Interlocked.Decrement(ref running);
        })).ToArray();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.All(names, n => Assert.Equal("sched-test", n));
        Assert.Equal(2, peak); // two at once (the barrier), never three
        Assert.Equal(2, scheduler.MaximumConcurrencyLevel);
    }

    [Fact]
    public async Task Partitioned_targets_on_it_get_every_packet_in_flow_order_and_return_every_block()
    {
        using var scheduler = new DedicatedTaskScheduler(2);
        using var source = new TestCaptureSource(5000, packetsPerBlock: 16, poolBlocks: 4);
        var seen = new[] { new List<long>(), new List<long>() };
        bool offThread = false;
        ActionBlock<PacketBlock> Target(List<long> into) => new(view =>
        {
            if (Thread.CurrentThread.IsThreadPoolThread || Thread.CurrentThread.Name != "SlimCap worker") offThread = true;
            foreach (PacketRef p in view) into.Add(TestTraffic.IndexOf(p));
            view.Dispose();
        }, new ExecutionDataflowBlockOptions { BoundedCapacity = 2, TaskScheduler = scheduler });
        using var partitioner = new PacketPartitioner([Target(seen[0]), Target(seen[1])]);
        await partitioner.RunAsync(source, Ct);
        await partitioner.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.False(offThread, "a target ran off the scheduler's threads");
        Assert.Equal(5000, seen[0].Count + seen[1].Count);
        Assert.All(seen, s => Assert.Equal(s.Order(), s)); // each target in capture order
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => (long)i), seen[0].Concat(seen[1]).Order());
        Assert.True(source.AllBlocksReturned);
    }

    [Fact]
    public async Task Dispose_runs_what_is_queued_ends_its_threads_and_later_tasks_still_run()
    {
        var scheduler = new DedicatedTaskScheduler(1);
        var factory = new TaskFactory(scheduler);
        using var release = new ManualResetEventSlim();
        Thread? worker = null;
        Task first = factory.StartNew(() => { worker = Thread.CurrentThread; release.Wait(Ct); });
        Task[] queued = Enumerable.Range(0, 5).Select(_ => factory.StartNew(() => { })).ToArray();
        Task disposing = Task.Run(scheduler.Dispose, Ct);
        await Task.Delay(100, Ct);
        Assert.False(disposing.IsCompleted); // waits for its thread, which is busy
        release.Set();
        await disposing.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.True(first.IsCompletedSuccessfully);
        Assert.All(queued, t => Assert.True(t.IsCompletedSuccessfully));
        Assert.False(worker!.IsAlive);
        await factory.StartNew(() => Assert.True(Thread.CurrentThread.IsThreadPoolThread)).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        scheduler.Dispose(); // idempotent
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DedicatedTaskScheduler(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DedicatedTaskScheduler(257));
        Assert.Throws<ArgumentNullException>(() => new DedicatedTaskScheduler(1, null!));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
