using System.Runtime.InteropServices;
using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Interop;

/// <summary>sched_setaffinity / sched_getaffinity for the calling thread (pid 0 means the calling thread for these calls).</summary>
internal static unsafe partial class ThreadAffinity
{
    private const int MaxCpus = 1024;
    private const int Words = MaxCpus / 64;

    /// <summary>Pins the calling thread to CPU <paramref name="cpu"/>; throws <see cref="NativeCallException"/> naming the call.</summary>
    public static void PinCurrentThread(int cpu)
    {
        if ((uint)cpu >= MaxCpus) NativeCallException.Throw($"sched_setaffinity(cpu {cpu})", Errno.EINVAL, null);
        ulong* mask = stackalloc ulong[Words];
        new Span<ulong>(mask, Words).Clear();
        mask[cpu >> 6] = 1UL << (cpu & 63);
        if (sched_setaffinity(0, Words * 8, mask) != 0) NativeCallException.ThrowLastError($"sched_setaffinity(cpu {cpu})", null);
    }

    /// <summary>The CPUs the calling thread may run on, as a bit mask (bit i = CPU i).</summary>
    public static ulong[] AllowedCpus()
    {
        var mask = new ulong[Words];
        fixed (ulong* p = mask)
        {
            if (sched_getaffinity(0, Words * 8, p) < 0) NativeCallException.ThrowLastError("sched_getaffinity", null);
        }
        return mask;
    }

    /// <summary>The CPUs of a mask as a list ("0, 1, 4").</summary>
    public static string Describe(ulong[] mask)
    {
        var cpus = new List<int>();
        for (int i = 0; i < mask.Length * 64; i++)
            if ((mask[i >> 6] & (1UL << (i & 63))) != 0) cpus.Add(i);
        return cpus.Count == 0 ? "none" : string.Join(", ", cpus);
    }

    /// <summary>The CPU the calling thread runs on now (sched_getcpu), or -1.</summary>
    public static int CurrentCpu() => sched_getcpu();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nuint size, ulong* mask);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getaffinity(int pid, nuint size, ulong* mask);

    [LibraryImport("libc")]
    private static partial int sched_getcpu();
}
