using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Interop;

namespace SlimCap.Reactive.Socket;

/// <summary>
/// A test seam: makes a live source's setup fail at a named step (<c>"bind"</c>, <c>"rx-ring"</c>, <c>"attached"</c>:
/// everything acquired, the constructor about to return), so tests can check that a failed constructor closes every
/// descriptor it opened. Scoped to the caller's async flow, so concurrent sources elsewhere are untouched; unset, a
/// check is one AsyncLocal read per setup step.
/// </summary>
internal static class SetupFault
{
    private static readonly AsyncLocal<string?> s_failAt = new();

    /// <summary>Makes <see cref="Check"/> of <paramref name="step"/> throw in this flow until the result is disposed.</summary>
    internal static IDisposable FailAt(string step)
    {
        s_failAt.Value = step;
        return new Reset();
    }

    /// <summary>Throws a <see cref="NativeCallException"/> (EIO) when a test asked this step to fail.</summary>
    internal static void Check(string step, string? interfaceName)
    {
        if (s_failAt.Value == step) throw new NativeCallException(step + " (injected by a test)", Errno.EIO, interfaceName);
    }

    private sealed class Reset : IDisposable
    {
        public void Dispose() => s_failAt.Value = null;
    }
}
