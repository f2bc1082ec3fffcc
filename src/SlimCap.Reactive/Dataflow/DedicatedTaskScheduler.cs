namespace SlimCap.Reactive.Dataflow;

/// <summary>
/// A <see cref="TaskScheduler"/> with a fixed set of its own threads, which park on a monitor when idle instead of
/// spinning. Meant for the Dataflow blocks behind a <see cref="PacketFanOut"/>
/// (<c>new ExecutionDataflowBlockOptions { TaskScheduler = scheduler }</c>).
/// </summary>
/// <remarks>
/// <para><b>Why.</b> A Dataflow block runs each activation (each time it goes from idle to having input) as a task.
/// On the thread pool every such task ends with the worker going idle, and idle pool workers spin for tens to
/// hundreds of microseconds before they sleep; fed one ring block at a time, that spinning costs more CPU than the
/// packets themselves (perf/RESULTS.md). These threads wake with one futex call and sleep at once.</para>
/// <para><b>Threads.</b> A fixed number of background threads, started with the scheduler; a task runs
/// on whichever is free, so give at least as many threads as blocks that should run in parallel. Tasks that wait
/// synchronously on each other can exhaust them, as with any bounded scheduler.</para>
/// <para><b>Ending.</b> <see cref="Dispose"/> lets the tasks already queued run, then the threads end. A task queued
/// after that runs on the thread pool, so a block still fed after disposal never stalls or faults.</para>
/// <para><b>Thread safety.</b> Every member is safe from any thread.</para>
/// </remarks>
public sealed class DedicatedTaskScheduler : TaskScheduler, IDisposable
{
    [ThreadStatic]
    private static DedicatedTaskScheduler? t_current;

    private readonly object _gate = new();
    private readonly Queue<Task> _queue = new();
    private readonly Thread[] _threads;
    private int _idle;
    private bool _disposed;

    /// <summary>Creates the scheduler and starts its threads.</summary>
    /// <param name="threadCount">How many threads run tasks (the maximum concurrency).</param>
    /// <param name="name">The threads' name, as debuggers and <c>/proc</c> show it.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threadCount"/> is less than 1 or more than 256.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public DedicatedTaskScheduler(int threadCount = 1, string name = "SlimCap worker")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threadCount, 256);
        ArgumentNullException.ThrowIfNull(name);
        _threads = new Thread[threadCount];
        for (int i = 0; i < threadCount; i++)
        {
            _threads[i] = new Thread(static s => ((DedicatedTaskScheduler)s!).Run()) { IsBackground = true, Name = name };
            _threads[i].UnsafeStart(this); // no ExecutionContext captured: each task carries its own
        }
    }

    /// <summary>The number of threads.</summary>
    public override int MaximumConcurrencyLevel => _threads.Length;

    /// <summary>Lets the queued tasks run, then ends the threads and waits for them (unless called on one of them).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            Monitor.PulseAll(_gate);
        }
        if (t_current == this) return;
        foreach (Thread thread in _threads) thread.Join();
    }

    /// <inheritdoc/>
    protected override void QueueTask(Task task)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _queue.Enqueue(task);
                if (_idle > 0) Monitor.Pulse(_gate);
                return;
            }
        }
        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Scheduler.TryExecuteTask(s.Task), (Scheduler: this, Task: task), preferLocal: false);
    }

    /// <inheritdoc/>
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        t_current == this && TryExecuteTask(task);

    /// <inheritdoc/>
    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (_gate) return _queue.ToArray();
    }

    private void Run()
    {
        t_current = this;
        while (true)
        {
            Task task;
            lock (_gate)
            {
                while (_queue.Count == 0)
                {
                    if (_disposed) return;
                    _idle++;
                    Monitor.Wait(_gate);
                    _idle--;
                }
                task = _queue.Dequeue();
            }
            TryExecuteTask(task);
        }
    }
}
