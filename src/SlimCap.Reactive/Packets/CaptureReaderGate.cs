using System.Runtime.CompilerServices;

namespace SlimCap.Reactive.Packets;

/// <summary>
/// Makes sure an existing <see cref="CaptureSource"/> feeds at most one stream at a time: its read calls are
/// single-reader, so a second concurrent subscription or enumeration is refused instead of racing the first. The gate
/// remembers which reader (a capture loop) holds it, so a new stream can queue behind one that is already stopping.
/// </summary>
internal static class CaptureReaderGate
{
    private static readonly ConditionalWeakTable<CaptureSource, StrongBox<object?>> s_holders = new();

    /// <summary>Claims the source for <paramref name="reader"/>: null when it did, else the reader that holds it.</summary>
    internal static object? TryEnter(CaptureSource source, object reader) =>
        Interlocked.CompareExchange(ref s_holders.GetValue(source, static _ => new StrongBox<object?>()).Value, reader, null);

    /// <summary>Gives the source back, if <paramref name="reader"/> holds it.</summary>
    internal static void Exit(CaptureSource source, object reader)
    {
        if (s_holders.TryGetValue(source, out StrongBox<object?>? box)) Interlocked.CompareExchange(ref box.Value, null, reader);
    }

    internal static InvalidOperationException BusyError(CaptureSource source) =>
        new($"The capture source '{source.Name}' is already being read by another stream. A source serves one reader at a time; " +
            "dispose the other subscription or enumeration first, or open a source per stream with a factory.");
}
