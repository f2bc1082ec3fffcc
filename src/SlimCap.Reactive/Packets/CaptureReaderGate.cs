using System.Runtime.CompilerServices;

namespace SlimCap.Reactive.Packets;

/// <summary>
/// Makes sure an existing <see cref="CaptureSource"/> feeds at most one stream at a time: its read calls are
/// single-reader, so a second concurrent subscription or enumeration is refused instead of racing the first.
/// </summary>
internal static class CaptureReaderGate
{
    private static readonly ConditionalWeakTable<CaptureSource, StrongBox<int>> s_busy = new();

    /// <summary>Claims the source for one reader. False when another stream already reads it.</summary>
    internal static bool TryEnter(CaptureSource source) =>
        Interlocked.CompareExchange(ref s_busy.GetValue(source, static _ => new StrongBox<int>()).Value, 1, 0) == 0;

    /// <summary>Gives the source back after <see cref="TryEnter"/> succeeded.</summary>
    internal static void Exit(CaptureSource source)
    {
        if (s_busy.TryGetValue(source, out StrongBox<int>? box)) Volatile.Write(ref box.Value, 0);
    }

    internal static InvalidOperationException BusyError(CaptureSource source) =>
        new($"The capture source '{source.Name}' is already being read by another stream. A source serves one reader at a time; " +
            "dispose the other subscription or enumeration first, or open a source per stream with a factory.");
}
