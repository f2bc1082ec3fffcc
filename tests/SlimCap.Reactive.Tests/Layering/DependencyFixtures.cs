namespace SlimCap.Reactive.Tests.Layering.Fixtures;

// Types whose only link to their target is one kind of use, so TypeDependenciesTests can tell that the reader sees it.

internal class Target
{
    public static int Count;
    public static void Call() { }
}

internal sealed class UsesByBase : Target;

internal sealed class UsesInBody
{
    public static void Run() => Target.Call();
}

internal sealed class UsesInLambda
{
    public static Action Make() => () => Target.Call();
}

internal sealed class UsesInAsync
{
    public static async Task RunAsync()
    {
        await Task.Yield();
        Target.Count++;
    }
}

internal sealed class UsesInLocal
{
    public static bool Run(object o) => o is Target;
}

internal sealed class UsesNothing
{
    public static int Run() => 1;
}

internal static unsafe class UsesPointer
{
    public static int Read(int* p) => *p;
}

internal static unsafe class UsesFixed
{
    public static int First(int[] values)
    {
        fixed (int* p = values) return *p;
    }
}

internal static class UsesStackallocSafely
{
    public static int Sum()
    {
        Span<int> values = stackalloc int[4];
        ReadOnlySpan<byte> literal = "abc"u8;
        return values[0] + literal[0];
    }
}
