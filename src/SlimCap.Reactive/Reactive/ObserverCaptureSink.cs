namespace SlimCap.Reactive;

/// <summary>Feeds a capture loop's blocks to an Rx observer; the observer takes ownership of each block.</summary>
internal sealed class ObserverCaptureSink(IObserver<PacketBlock> observer) : ICaptureSink
{
    public void OnBlock(PacketBlock block) => observer.OnNext(block);

    public void OnError(Exception error) => observer.OnError(error);

    public void OnCompleted() => observer.OnCompleted();
}
