using System.Runtime.InteropServices;

namespace SlimCap.Cli.Infrastructure;

/// <summary>
/// SIGINT (Ctrl+C) and SIGTERM as a cancellation token, so a command stops reading, completes its files and prints
/// its summary instead of dying half-way. A second signal while stopping ends the process the default way.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public StopSignal()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Cancelled by the first SIGINT or SIGTERM, or by <see cref="Stop"/>.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Asks the command to stop as a signal would (a duration or count reached elsewhere).</summary>
    public void Stop() => _stop.Cancel();

    private void OnSignal(PosixSignalContext context)
    {
        // The first signal is ours to handle; a second one falls through to the runtime's default, which ends the process.
        if (_stop.IsCancellationRequested) return;
        context.Cancel = true;
        _stop.Cancel();
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _stop.Dispose();
    }
}
