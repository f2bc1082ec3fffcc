using System.Runtime.InteropServices;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// Runs code with the calling thread inside a network namespace (setns on a dedicated thread), so
/// sockets it opens live in that namespace. The test process itself stays in its own namespace.
/// </summary>
internal static partial class NetNs
{
    private const int CLONE_NEWNET = 0x40000000;

    public static T Run<T>(string namespaceName, Func<T> action) =>
        DedicatedThread.Run(() =>
        {
            using var target = File.OpenHandle($"/var/run/netns/{namespaceName}");
            if (setns((int)target.DangerousGetHandle(), CLONE_NEWNET) != 0)
                throw new InvalidOperationException($"setns({namespaceName}) failed: errno {Marshal.GetLastPInvokeError()}");
            return action();
        });

    public static void Run(string namespaceName, Action action) => Run(namespaceName, () => { action(); return 0; });

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);
}
