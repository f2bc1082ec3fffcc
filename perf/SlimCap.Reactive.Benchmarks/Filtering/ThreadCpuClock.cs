using System.Runtime.InteropServices;
using Perfolizer.Horology;

namespace SlimCap.Reactive.Benchmarks.Filtering;

/// <summary>
/// BenchmarkDotNet's clock as the CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID, nanoseconds), the measure the
/// C baseline takes (CLOCK_PROCESS_CPUTIME_ID of a one-thread process). On a machine shared with other work the wall
/// clock counts the time the thread waited for a core; CPU time counts what the filter costs.
/// </summary>
public sealed partial class ThreadCpuClock : IClock
{
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID

    /// <summary>The one instance.</summary>
    public static readonly ThreadCpuClock Instance = new();

    private ThreadCpuClock() { }

    /// <inheritdoc/>
    public string Title => "thread CPU time";

    /// <inheritdoc/>
    public bool IsAvailable => OperatingSystem.IsLinux();

    /// <inheritdoc/>
    public Frequency Frequency => Frequency.GHz;

    /// <inheritdoc/>
    public long GetTimestamp()
    {
        if (clock_gettime(ClockThreadCpuTime, out Timespec t) != 0) throw new InvalidOperationException($"clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed: errno {Marshal.GetLastPInvokeError()}");
        return t.Seconds * 1_000_000_000L + t.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int clock_gettime(int clock, out Timespec time);
}
