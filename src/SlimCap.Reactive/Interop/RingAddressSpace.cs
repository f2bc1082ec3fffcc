using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Tmds.Linux;
using static SlimCap.Reactive.Interop.LinuxConstants;
using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Interop;

/// <summary>
/// The address ranges rings live in. A ring is never unmapped while the process lives: when it is closed, its range is
/// replaced in place by read-only zero pages (no memory behind them), so a span or pinned memory a caller kept past its
/// block reads zeros instead of faulting; the range is then reused by the next ring of the same length, so opening and
/// closing rings does not grow the address space.
/// </summary>
/// <remarks>
/// Thread-safe. Replacing a mapping with <c>MAP_FIXED</c> is atomic: a concurrent reader sees the old or the new pages.
/// Ring images (no kernel involved) work on any OS: off Linux they live in native heap memory, which a closed image
/// gives back cleared to a pool of its length rather than to the OS, for the same reason.
/// </remarks>
internal static unsafe class RingAddressSpace
{
    private static readonly Dictionary<nuint, Stack<nint>> s_retired = new();
    private static readonly object s_gate = new();

    /// <summary>A zeroed, page-aligned read-write range for a ring image.</summary>
    public static byte* MapImage(nuint length)
    {
        if (OperatingSystem.IsLinux()) return MapAnonymous(length);
        nint reuse = TakeRetired(length);
        byte* address = reuse != 0 ? (byte*)reuse : (byte*)NativeMemory.AlignedAlloc(length, 4096);
        NativeMemory.Clear(address, length);
        return address;
    }

    /// <summary>Retires an image's range (see <see cref="Retire"/>; off Linux: cleared and pooled).</summary>
    public static void RetireImage(byte* address, nuint length)
    {
        if (OperatingSystem.IsLinux())
        {
            Retire(address, length);
            return;
        }
        NativeMemory.Clear(address, length);
        Keep(address, length);
    }

    /// <summary>mmap(MAP_SHARED) of a packet socket's ring, into a retired range of that length when there is one.</summary>
    [SupportedOSPlatform("linux")]
    public static byte* MapSocket(FileDescriptorHandle fd, nuint length, string? interfaceName)
    {
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            return Map(length, PROT_READ | PROT_WRITE, MAP_SHARED, fd.Fd, "mmap(PACKET_RX_RING)", interfaceName);
        }
        finally
        {
            if (added) fd.DangerousRelease();
        }
    }

    /// <summary>A zeroed, page-aligned, private read-write range (a ring image), reusing a retired range of that length when there is one.</summary>
    [SupportedOSPlatform("linux")]
    private static byte* MapAnonymous(nuint length) =>
        Map(length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, "mmap(ring image)", null);

    /// <summary>
    /// Replaces the range with read-only zero pages (dropping the ring's own mapping, so the kernel can free it once its
    /// socket is closed) and keeps it for reuse.
    /// </summary>
    [SupportedOSPlatform("linux")]
    public static void Retire(byte* address, nuint length)
    {
        void* p = LibC.mmap(address, (size_t)(ulong)length, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
        // Should the kernel refuse (it only does for lack of memory for page tables), the old mapping stays: a ring that
        // stays mapped costs memory, one unmapped under a reader would crash it.
        if (p != address) return;
        Keep(address, length);
    }

    private static void Keep(byte* address, nuint length)
    {
        lock (s_gate)
        {
            if (!s_retired.TryGetValue(length, out Stack<nint>? stack)) s_retired[length] = stack = new Stack<nint>();
            stack.Push((nint)address);
        }
    }

    private static nint TakeRetired(nuint length)
    {
        lock (s_gate)
        {
            return s_retired.TryGetValue(length, out Stack<nint>? stack) && stack.Count > 0 ? stack.Pop() : 0;
        }
    }

    /// <summary>Ranges resting retired (for tests).</summary>
    internal static int RetiredCount
    {
        get
        {
            lock (s_gate) return s_retired.Values.Sum(s => s.Count);
        }
    }

    [SupportedOSPlatform("linux")]
    private static byte* Map(nuint length, int protection, int flags, int fd, string call, string? interfaceName)
    {
        nint reuse = TakeRetired(length);
        if (reuse != 0)
        {
            void* fixedAt = LibC.mmap((void*)reuse, (size_t)(ulong)length, protection, flags | MAP_FIXED, fd, 0);
            if (fixedAt == (void*)reuse) return (byte*)fixedAt;
            int errno = Errno.Last;
            // The range is still the retired zero pages (a failed MAP_FIXED leaves it as it was... or unmapped, on some
            // kernels): do not hand it out again; fail as a fresh mapping would.
            NativeCallException.Throw(call, errno, interfaceName);
        }
        void* p = LibC.mmap(null, (size_t)(ulong)length, protection, flags, fd, 0);
        if (p == LibC.MAP_FAILED) NativeCallException.ThrowLastError(call, interfaceName);
        return (byte*)p;
    }
}
