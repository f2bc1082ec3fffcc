using System.Runtime.InteropServices;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Capturer;

/// <summary>
/// Keeps SIGTERM/SIGINT away from the capture threads: the runtime's signal thread still receives them
/// (PosixSignalRegistration), but a capture thread blocked in ppoll is not interrupted with EINTR.
/// Works around a library bug (see perf/RESULTS.md): Tmds.LibC 0.5.0 declares ppoll without
/// SetLastError, so Syscalls.Poll reads a stale errno after EINTR; SocketSource then reports the
/// previous recvmsg's EAGAIN as a ppoll failure and throws NativeCallException.
/// Threads created after the call inherit the mask (the Rx capture thread, the thread pool's new workers).
/// </summary>
internal static unsafe partial class SignalMask
{
    private const int SigBlock = 0;
    private const int SigInt = 2;
    private const int SigTerm = 15;

    public static void BlockTerminationSignals()
    {
        ulong* set = stackalloc ulong[16]; // sigset_t: 1024 bits
        sigemptyset(set);
        sigaddset(set, SigTerm);
        sigaddset(set, SigInt);
        pthread_sigmask(SigBlock, set, null);
    }

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    private static partial int sigemptyset(ulong* set);

    [LibraryImport("libc", EntryPoint = "sigaddset")]
    private static partial int sigaddset(ulong* set, int signal);

    [LibraryImport("libc", EntryPoint = "pthread_sigmask")]
    private static partial int pthread_sigmask(int how, ulong* set, ulong* old);
}
