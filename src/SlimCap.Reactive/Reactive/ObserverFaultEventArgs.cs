using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// An observer of a capture stream threw from <c>OnNext</c>; raised by <see cref="CaptureObservable.ObserverFaulted"/>
/// after the capture stopped and released its blocks and source.
/// </summary>
/// <remarks>Thread safety: immutable; safe to share.</remarks>
public sealed class ObserverFaultEventArgs : EventArgs
{
    internal ObserverFaultEventArgs(IObserver<PacketBlock> observer, Exception exception)
    {
        Observer = observer;
        Exception = exception;
    }

    /// <summary>The observer that threw (the one given to <c>Subscribe</c>, often an Rx operator's): it receives nothing more.</summary>
    public IObserver<PacketBlock> Observer { get; }

    /// <summary>What <c>OnNext</c> threw.</summary>
    public Exception Exception { get; }
}
