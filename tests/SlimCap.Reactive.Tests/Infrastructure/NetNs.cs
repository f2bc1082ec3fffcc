using System.Runtime.InteropServices;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// Runs code with the calling thread inside a network namespace (setns on a dedicated thread), so
/// sockets it opens live in that namespace. The test process itself stays in its own namespace.
/// </summary>
internal static partial class NetNs
{
    private const int CLONE_NEWNET = 0x40000000;

    public static T Run<T>(string namespaceName, Func<T> action)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var target = File.OpenHandle($"/var/run/netns/{namespaceName}");
                if (setns((int)target.DangerousGetHandle(), CLONE_NEWNET) != 0)
                    throw new InvalidOperationException($"setns({namespaceName}) failed: errno {Marshal.GetLastPInvokeError()}");
                result = action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        return result;
    }

    public static void Run(string namespaceName, Action action) => Run(namespaceName, () => { action(); return 0; });

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);
}
