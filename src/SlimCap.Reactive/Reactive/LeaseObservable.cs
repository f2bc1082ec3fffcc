namespace SlimCap.Reactive;

/// <summary>
/// Builds lease-carrying observables the way <c>Observable.Create</c> does, except that the subscribe function gets
/// the subscriber's own observer rather than an auto-detaching wrapper.
/// </summary>
/// <remarks>
/// <c>Observable.Create</c>'s wrapper stops forwarding the moment its subscription is disposed, so a block the
/// capture thread delivers while another thread disposes would be silently dropped: a lease nobody can return. Here
/// a notification racing with disposal still reaches the observer, which owns (and disposes) the block. The subscribe
/// functions themselves keep the Rx grammar, never throw, and dispose what arrives after they sent a terminal message.
/// </remarks>
internal static class LeaseObservable
{
    internal static IObservable<T> Create<T>(Func<IObserver<T>, IDisposable> subscribe) => new Anonymous<T>(subscribe);

    private sealed class Anonymous<T>(Func<IObserver<T>, IDisposable> subscribe) : IObservable<T>
    {
        public IDisposable Subscribe(IObserver<T> observer)
        {
            ArgumentNullException.ThrowIfNull(observer);
            return subscribe(observer);
        }
    }
}
