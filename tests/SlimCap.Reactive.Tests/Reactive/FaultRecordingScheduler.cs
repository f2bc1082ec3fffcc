using System.Collections.Concurrent;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace SlimCap.Reactive.Tests.Reactive;

/// <summary>
/// A long-running scheduler for tests: runs each capture on its own thread, like NewThreadScheduler,
/// but records an exception escaping the capture thread instead of letting it crash the test host.
/// </summary>
internal sealed class FaultRecordingScheduler : LocalScheduler, ISchedulerLongRunning
{
    private readonly TaskCompletionSource<Exception> _fault = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<Thread> _threads = new();

    /// <summary>Completes with the first exception that escaped a capture thread.</summary>
    internal Task<Exception> Fault => _fault.Task;

    /// <summary>Waits until every capture thread started here has ended.</summary>
    internal void JoinAll()
    {
        foreach (Thread t in _threads) Assert.True(t.Join(10_000), "capture thread did not end");
    }

    public override IDisposable Schedule<TState>(TState state, TimeSpan dueTime, Func<IScheduler, TState, IDisposable> action) =>
        DefaultScheduler.Instance.Schedule(state, dueTime, action);

    public IDisposable ScheduleLongRunning<TState>(TState state, Action<TState, ICancelable> action)
    {
        var cancel = new BooleanDisposable();
        var thread = new Thread(() =>
        {
            try
            {
                action(state, cancel);
            }
            catch (Exception e)
            {
                _fault.TrySetResult(e);
            }
        }) { IsBackground = true, Name = "test capture" };
        _threads.Enqueue(thread);
        thread.Start();
        return cancel;
    }
}
