using System.Runtime.InteropServices;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// Runs code on a thread whose effective capabilities lack CAP_NET_RAW (capset is per thread), the
/// in-process equivalent of <c>capsh --drop=cap_net_raw</c>.
/// </summary>
internal static unsafe partial class CapabilityDrop
{
    private const uint LinuxCapabilityVersion3 = 0x20080522;
    private const int CapNetRaw = 13;

    [StructLayout(LayoutKind.Sequential)]
    private struct CapHeader { public uint Version; public int Pid; }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapData { public uint Effective, Permitted, Inheritable; }

    public static T WithoutNetRaw<T>(Func<T> action) =>
        DedicatedThread.Run(() =>
        {
            var header = new CapHeader { Version = LinuxCapabilityVersion3 };
            CapData* data = stackalloc CapData[2];
            if (capget(&header, data) != 0) throw new InvalidOperationException("capget failed");
            data[0].Effective &= ~(1u << CapNetRaw);
            if (capset(&header, data) != 0) throw new InvalidOperationException($"capset failed: errno {Marshal.GetLastPInvokeError()}");
            return action();
        });

    [LibraryImport("libc", SetLastError = true)]
    private static partial int capget(CapHeader* header, CapData* data);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int capset(CapHeader* header, CapData* data);
}
