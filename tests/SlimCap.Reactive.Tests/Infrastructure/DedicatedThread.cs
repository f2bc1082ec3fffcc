namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>Runs code on a fresh thread (for per-thread state such as a network namespace or capabilities) and rethrows its exception.</summary>
internal static class DedicatedThread
{
    public static T Run<T>(Func<T> action)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
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
}
