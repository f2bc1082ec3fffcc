using System.Runtime.CompilerServices;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Dataflow;

/// <summary>
/// Feeds a capture loop's blocks to a fan-out and turns the way the capture ended into <see cref="PacketFanOut.RunAsync"/>'s
/// task: completed (the source stopped, or the fan-out was disposed), cancelled, or faulted with the capture's error,
/// a target's fault, or an exception thrown while distributing (a caller's key selector).
/// </summary>
internal sealed class FanOutCaptureSink(PacketFanOut fanOut, CancellationToken cancellationToken) : ICaptureSink
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Starts <paramref name="loop"/> (whose sink this is), on a thread from <paramref name="threadFactory"/> when given;
    /// completes once it has ended and the fan-out is complete.
    /// </summary>
    internal async Task RunAsync(CaptureLoop loop, Func<ThreadStart, Thread>? threadFactory)
    {
        using (cancellationToken.UnsafeRegister(static l => ((CaptureLoop)l!).Stop(), loop))
        {
            loop.Start(threadFactory);
            await loop.Exited.ConfigureAwait(false);
        }
        // Stopped without a terminal message: cancelled, the fan-out disposed, or a target faulted.
        fanOut.Complete();
        if (fanOut.Error is { } error) _done.TrySetException(error);
        else if (cancellationToken.IsCancellationRequested) _done.TrySetCanceled(cancellationToken);
        else _done.TrySetResult();
        await _done.Task.ConfigureAwait(false);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool OnBlock(PacketBlock block) => fanOut.PostCore(block, cancellationToken);

    public void OnError(Exception error) => Fail(error);

    public void OnCompleted()
    {
        fanOut.Complete();
        _done.TrySetResult();
    }

    public void OnSinkFault(Exception error) => Fail(error);

    private void Fail(Exception error)
    {
        fanOut.CompleteWithError(error);
        _done.TrySetException(error);
    }
}
