using System.Reactive.Disposables;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// What every lease-aware Rx operator's per-subscription state shares (Rx.NET's <c>Sink</c>): it subscribes itself to
/// its upstream, is itself the subscription it returns, and owns the upstream subscription, which
/// <see cref="DisposeUpstream"/> (after a terminal message) and <see cref="Dispose"/> end. The sink owns every block it
/// receives until it forwards or disposes it.
/// </summary>
internal abstract class BlockSink : IObserver<PacketBlock>, IDisposable
{
    private readonly SingleAssignmentDisposable _upstream = new();

    /// <summary>
    /// Starts what the sink runs besides its subscription (<see cref="OnStarting"/>), subscribes to
    /// <paramref name="source"/> and returns this sink as the subscription. Never throws: a misbehaving upstream
    /// <c>Subscribe</c> (or start) is reported through <see cref="OnError"/>.
    /// </summary>
    internal IDisposable Run(IObservable<PacketBlock> source)
    {
        try
        {
            OnStarting();
            _upstream.Disposable = source.Subscribe(this);
        }
        catch (Exception e)
        {
            OnError(e);
        }
        return this;
    }

    /// <summary>Starts what runs beside the subscription (a timer), before the sink subscribes.</summary>
    protected virtual void OnStarting() { }

    public abstract void OnNext(PacketBlock value);

    public abstract void OnError(Exception error);

    public abstract void OnCompleted();

    /// <summary>Leaves the upstream (after a terminal message, or on disposal). Idempotent.</summary>
    protected void DisposeUpstream() => _upstream.Dispose();

    /// <summary>Unsubscribes: leaves the upstream; a derived sink also releases what it holds.</summary>
    public virtual void Dispose() => _upstream.Dispose();
}
