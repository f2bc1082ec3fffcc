using System.Runtime.InteropServices;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>Tells whether a thread is blocked in a given syscall, so a test acts on a reader that is really waiting.</summary>
internal static partial class ThreadProbe
{
    public const int PpollSyscall = 271; // x86-64
    public const int FutexSyscall = 202; // x86-64: a managed Monitor.Wait

    public static int CurrentThreadId => gettid();

    /// <summary>Waits (up to <paramref name="timeoutMs"/>) until thread <paramref name="tid"/> sits in syscall <paramref name="number"/>.</summary>
    public static bool WaitUntilInSyscall(int tid, int number, int timeoutMs = 10_000)
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            Thread.Sleep(200);
            return true;
        }
        return SpinWait.SpinUntil(() =>
        {
            try
            {
                string text = File.ReadAllText($"/proc/self/task/{tid}/syscall");
                return text.Split(' ')[0] == number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                return false;
            }
        }, timeoutMs);
    }

    /// <summary>
    /// How many times thread <paramref name="tid"/> has given up the CPU of its own accord so far (each wake-up from a
    /// wait is one): how a test tells a parked reader from one polling on a timer.
    /// </summary>
    public static long VoluntarySwitches(int tid)
    {
        foreach (string line in File.ReadLines($"/proc/self/task/{tid}/status"))
            if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan("voluntary_ctxt_switches:".Length).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        throw new InvalidOperationException($"no voluntary_ctxt_switches for thread {tid}");
    }

    /// <summary>Sends SIGCHLD (which the runtime handles harmlessly) to one thread, to interrupt a syscall it sits in.</summary>
    public static void Interrupt(int tid) => tgkill(Environment.ProcessId, tid, 17);

    [LibraryImport("libc")]
    private static partial int gettid();

    [LibraryImport("libc")]
    private static partial int tgkill(int pid, int tid, int signal);
}
