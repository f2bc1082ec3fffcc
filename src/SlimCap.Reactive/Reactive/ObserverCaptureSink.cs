using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>Feeds a capture loop's blocks to an Rx observer; the observer takes ownership of each block.</summary>
internal sealed class ObserverCaptureSink(IObserver<PacketBlock> observer) : ICaptureSink
{
    public bool OnBlock(PacketBlock block)
    {
        observer.OnNext(block);
        return true;
    }

    public void OnError(Exception error) => observer.OnError(error);

    public void OnCompleted() => observer.OnCompleted();

    /// <summary>The observer threw from OnNext: it hears nothing more (it is broken); the fault hook does.</summary>
    public void OnSinkFault(Exception error) => CaptureObservable.ReportObserverFault(observer, error);
}
