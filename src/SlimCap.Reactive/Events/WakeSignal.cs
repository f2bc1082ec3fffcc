using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using SlimCap.Reactive.Interop;
using static SlimCap.Reactive.Interop.LinuxConstants;
using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Events;

/// <summary>
/// An eventfd polled beside the capture socket, carrying three distinct signals: unblock (the low
/// 32 bits), freed (bits 32 to 55: a consumer gave back a block the parked reader waits for) and stop
/// (bit 56 and up). Signals add up in the counter, so several unblocks read as one and a stop is never
/// lost behind them. A stop, once taken, is written back: it wakes every waiter, however many readers
/// wait and whenever they started waiting.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class WakeSignal : IDisposable
{
    private const ulong UnblockValue = 1;
    private const ulong FreedValue = 1UL << 32;
    private const ulong UnblockMask = FreedValue - 1;
    private const ulong StopValue = 1UL << 56;

    private readonly FileDescriptorHandle _eventFd;
    private int _stopped;

    public WakeSignal() => _eventFd = Syscalls.OpenEventFd();

    public bool IsStopped => Volatile.Read(ref _stopped) != 0;

    public void SignalUnblock() => Syscalls.EventFdAdd(_eventFd, UnblockValue);

    /// <summary>Wakes a reader parked for a free block: its wait returns <see cref="WaitResult.Ready"/>, not Unblocked.</summary>
    public void SignalFreed() => Syscalls.EventFdAdd(_eventFd, FreedValue);

    public void SignalStop()
    {
        Volatile.Write(ref _stopped, 1);
        Syscalls.EventFdAdd(_eventFd, StopValue);
    }

    /// <summary>
    /// Waits until <paramref name="socket"/> is readable, a signal arrives, or the time-out passes
    /// (&lt; 0: forever). A signal is consumed; a stop stays visible through <see cref="IsStopped"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public WaitResult Wait(FileDescriptorHandle socket, int timeoutMs, out int errno, bool socketToo = true)
    {
        errno = 0;
        bool socketAdded = false, eventAdded = false;
        try
        {
            socket.DangerousAddRef(ref socketAdded);
            _eventFd.DangerousAddRef(ref eventAdded);
            Span<PollFd> fds = stackalloc PollFd[2];
            fds[0] = new PollFd { Fd = _eventFd.Fd, Events = POLLIN };
            fds[1] = new PollFd { Fd = socket.Fd, Events = POLLIN };
            int rv = Syscalls.Poll(fds[..(socketToo ? 2 : 1)], timeoutMs);
            if (rv < 0)
            {
                errno = -rv;
                return errno == Errno.EBADF ? WaitResult.Stopped : WaitResult.SocketError;
            }
            if (rv == 0) return IsStopped ? WaitResult.Stopped : WaitResult.TimedOut;
            if ((fds[0].REvents & POLLIN) != 0)
            {
                ulong value = Syscalls.EventFdTake(_eventFd);
                if (value >= StopValue || IsStopped)
                {
                    // A stop stays readable for every other waiter: a second reader (unsupported, but it happens) that
                    // entered its wait after this one took the signal would otherwise wait for ever, and keep the ring.
                    Syscalls.EventFdAdd(_eventFd, StopValue);
                    return WaitResult.Stopped;
                }
                if ((value & UnblockMask) != 0) return WaitResult.Unblocked;
                if (value != 0) return WaitResult.Ready; // freed: look at the ring again
            }
            if (socketToo && (fds[1].REvents & (POLLERR | POLLHUP | POLLNVAL)) != 0) return WaitResult.SocketError;
            return IsStopped ? WaitResult.Stopped : WaitResult.Ready;
        }
        catch (ObjectDisposedException)
        {
            return WaitResult.Stopped;
        }
        finally
        {
            if (eventAdded) _eventFd.DangerousRelease();
            if (socketAdded) socket.DangerousRelease();
        }
    }

    public void Dispose() => _eventFd.Dispose();
}
