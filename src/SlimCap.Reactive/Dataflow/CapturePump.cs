namespace SlimCap.Reactive;

/// <summary>
/// Reads a source on a dedicated thread and posts each block to a fan-out, then completes it. The caller holds the
/// source's reader gate; the pump gives it back when done. Cancellation wakes a blocked read with Unblock and stops a
/// producer waiting for room.
/// </summary>
internal sealed class CapturePump(PacketFanOut fanOut, CaptureSource source, CancellationToken cancellationToken,
    Func<ThreadStart, Thread>? threadFactory = null)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal Task Start()
    {
        Thread thread = threadFactory?.Invoke(Run) ?? new Thread(Run)
        {
            IsBackground = true,
            Name = $"SlimCap capture {source.Name}",
        };
        thread.Start();
        return _done.Task;
    }

    private void Run()
    {
        try
        {
            using CancellationTokenRegistration wake = cancellationToken.UnsafeRegister(static s => Wake((CaptureSource)s!), source);
            while (!cancellationToken.IsCancellationRequested)
            {
                CaptureStatus status;
                PacketBlock? block;
                try
                {
                    status = source.NextBlock(out block);
                }
                catch (ObjectDisposedException) when (source.IsDisposed)
                {
                    break; // closed between two reads
                }
                if (status == CaptureStatus.Stopped) break;
                if (status != CaptureStatus.Packet) continue;
                if (!fanOut.PostCore(block!, cancellationToken)) break; // the fan-out was disposed
            }
        }
        catch (Exception e)
        {
            CaptureReaderGate.Exit(source);
            fanOut.CompleteWithError(e);
            _done.TrySetException(e);
            return;
        }
        CaptureReaderGate.Exit(source);
        fanOut.Complete();
        if (cancellationToken.IsCancellationRequested) _done.TrySetCanceled(cancellationToken);
        else _done.TrySetResult();
    }

    private static void Wake(CaptureSource source)
    {
        try
        {
            source.Unblock();
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile: the reader wakes up on its own.
        }
    }
}
