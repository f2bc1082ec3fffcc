namespace SlimCap.Reactive.Tests.Reactive;

/// <summary>
/// The consumer thread's one hard rule: a scheduled item runs exactly once, whatever Stop does at the same time
/// (a lost item is a consumer awaiting forever). The free race is stressed; its narrowest interleaving, which a
/// stress run practically never hits, is forced through a test hook.
/// </summary>
public class ConsumerThreadTests
{
    private sealed class Item : IThreadPoolWorkItem
    {
        internal int Runs;
        internal readonly ManualResetEventSlim Ran = new();

        public void Execute()
        {
            Interlocked.Increment(ref Runs);
            Ran.Set();
        }
    }

    [Fact]
    public void An_item_scheduled_while_the_thread_stops_runs_exactly_once()
    {
        for (int round = 0; round < 2000; round++)
        {
            var thread = new ConsumerThread();
            var first = new Item();
            thread.Schedule(first); // starts the thread
            Assert.True(first.Ran.Wait(TimeSpan.FromSeconds(10)), $"round {round}: the first item never ran");
            var raced = new Item();
            using var go = new Barrier(2);
            var stopper = new Thread(() =>
            {
                go.SignalAndWait();
                thread.Stop();
            });
            stopper.Start();
            go.SignalAndWait();
            thread.Schedule(raced);
            stopper.Join();
            Assert.True(raced.Ran.Wait(TimeSpan.FromSeconds(10)), $"round {round}: an item scheduled against Stop never ran");
            Thread.Sleep(0);
            Assert.Equal(1, Volatile.Read(ref raced.Runs));
            Assert.Equal(1, Volatile.Read(ref first.Runs));
        }
    }

    [Fact]
    public void An_item_stored_after_the_thread_saw_the_stop_and_ended_is_reclaimed_and_runs()
    {
        // The narrowest case, forced: Schedule has seen no stop yet, then Stop lands and the thread ends having
        // found nothing pending, and only then does Schedule store its item. Nothing would ever run it there.
        var thread = new ConsumerThread();
        var first = new Item();
        thread.Schedule(first);
        Assert.True(first.Ran.Wait(TimeSpan.FromSeconds(10)));
        thread.BeforeStoreForTests = () =>
        {
            thread.Stop();
            Assert.True(thread.ThreadForTests!.Join(TimeSpan.FromSeconds(10)), "the consumer thread did not end on Stop");
        };
        var raced = new Item();
        thread.Schedule(raced);
        Assert.True(raced.Ran.Wait(TimeSpan.FromSeconds(10)), "the item stored after the thread ended never ran");
        Assert.Equal(1, raced.Runs);
    }

    [Fact]
    public void Items_after_stop_or_before_start_still_run_once()
    {
        var never = new ConsumerThread();
        never.Stop();
        var late = new Item();
        never.Schedule(late); // stopped before it ever started: the pool runs it
        Assert.True(late.Ran.Wait(TimeSpan.FromSeconds(10)));

        var thread = new ConsumerThread();
        for (int i = 0; i < 100; i++)
        {
            var item = new Item();
            thread.Schedule(item);
            Assert.True(item.Ran.Wait(TimeSpan.FromSeconds(10)), $"item {i}");
            Assert.Equal(1, item.Runs);
        }
        thread.Stop();
        var after = new Item();
        thread.Schedule(after);
        Assert.True(after.Ran.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, after.Runs);
    }
}
