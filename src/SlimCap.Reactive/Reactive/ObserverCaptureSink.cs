using System.Runtime.CompilerServices;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>Feeds a capture loop's blocks to an Rx observer; the observer takes ownership of each block.</summary>
internal sealed class ObserverCaptureSink(IObserver<PacketBlock> observer) : ICaptureSink
{
    // Compiled once, optimised: on the blocks path it was the one library method the JIT still re-compiled (tier 0,
    // instrumented, tier 1) inside a capture's first seconds (perf/RESULTS.md, session 7).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
