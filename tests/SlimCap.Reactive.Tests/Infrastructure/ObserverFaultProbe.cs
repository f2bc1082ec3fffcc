
namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// Listens on <see cref="CaptureObservable.ObserverFaulted"/> for one exception (the hook is process-wide and tests run
/// in parallel, so each waits for its own) and remembers the thread that raised it.
/// </summary>
internal sealed class ObserverFaultProbe : IDisposable
{
    private readonly Exception _expected;
    private readonly TaskCompletionSource<ObserverFaultEventArgs> _fault = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ObserverFaultProbe(Exception expected)
    {
        _expected = expected;
        CaptureObservable.ObserverFaulted += OnFault;
    }

    /// <summary>Completes when the expected exception was reported.</summary>
    internal Task<ObserverFaultEventArgs> Fault => _fault.Task;

    /// <summary>The thread the hook ran on (the capture thread).</summary>
    internal Thread? RaisedOn { get; private set; }

    private void OnFault(object? sender, ObserverFaultEventArgs e)
    {
        if (!ReferenceEquals(e.Exception, _expected)) return;
        RaisedOn = Thread.CurrentThread;
        _fault.TrySetResult(e);
    }

    public void Dispose() => CaptureObservable.ObserverFaulted -= OnFault;
}
