using System.Runtime.CompilerServices;
namespace SlimCap.Reactive;

/// <summary>
/// The thread that resumes one enumeration's consumer (<see cref="AsyncContinuation.ConsumerThread"/>): started on the
/// first wait, parked between blocks, ended by <see cref="Stop"/> once nothing more can wake the consumer.
/// </summary>
/// <remarks>
/// One enumeration has at most one wait outstanding, so one pending item is enough. The thread parks on an
/// <see cref="AutoResetEvent"/>: no managed spinning (the thread pool's idle spinning is what this thread avoids)
/// and no lock for the waker and the woken thread to contend on, which matters when both share a core. After
/// <see cref="Stop"/> a late item still runs (on the pool), so a consumer is never left waiting.
/// </remarks>
internal sealed class ConsumerThread
{
    private readonly AutoResetEvent _signal = new(false);
    private IThreadPoolWorkItem? _pending;
    private int _started;
    private volatile bool _stopping;
    private Thread? _thread;

    /// <summary>Tests only: runs between Schedule's check of the stop flag and its store, to force the race it handles.</summary>
    internal Action? BeforeStoreForTests;

    /// <summary>The thread, once started (tests wait for it to end).</summary>
    internal Thread? ThreadForTests => Volatile.Read(ref _thread);

    /// <summary>Runs <paramref name="item"/> on this thread, starting it if needed. Never blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Schedule(IThreadPoolWorkItem item)
    {
        if (_stopping)
        {
            System.Threading.ThreadPool.UnsafeQueueUserWorkItem(item, preferLocal: false);
            return;
        }
        BeforeStoreForTests?.Invoke();
        if (Interlocked.CompareExchange(ref _pending, item, null) is not null)
        {
            System.Threading.ThreadPool.UnsafeQueueUserWorkItem(item, preferLocal: false);
            return;
        }
        if (_stopping && Interlocked.CompareExchange(ref _pending, null, item) == item)
        {
            // Stop came meanwhile and the thread may have seen nothing pending on its way out: run it elsewhere.
            System.Threading.ThreadPool.UnsafeQueueUserWorkItem(item, preferLocal: false);
            return;
        }
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            var thread = new Thread(static s => ((ConsumerThread)s!).Run())
            {
                IsBackground = true,
                Name = "SlimCap consumer",
            };
            Volatile.Write(ref _thread, thread);
            thread.UnsafeStart(this); // no ExecutionContext captured here: each continuation flows its own
        }
        else
        {
            _signal.Set();
        }
    }

    /// <summary>Lets the thread end after the item it may still have to run. Idempotent; never blocks.</summary>
    internal void Stop()
    {
        _stopping = true;
        _signal.Set(); // also when not started yet: a thread started later sees the flag anyway
    }

    // The event is never disposed: a Schedule racing with Stop may still set it after the thread ended (its
    // SafeHandle is released by finalization).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run()
    {
        while (true)
        {
            IThreadPoolWorkItem? item = Interlocked.Exchange(ref _pending, null);
            if (item is null && _stopping)
            {
                // Read the flag first, then take once more: an item stored after this last take is seen as
                // stopped by its Schedule (both sides fence before reading the other's write) and reclaimed there.
                item = Interlocked.Exchange(ref _pending, null);
                if (item is null) return;
            }
            if (item is not null)
            {
                item.Execute();
                continue;
            }
            _signal.WaitOne();
        }
    }
}
