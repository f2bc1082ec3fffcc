using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace SlimCap.Reactive.Packets;

/// <summary>
/// The library's <see cref="Meter"/> and the observable instruments over every open source. Sources register when
/// created and leave when disposed; a collection walks the registered sources and reads their counters, so the
/// per-packet paths record nothing. The registry holds sources weakly: one dropped without Dispose is not kept alive.
/// </summary>
internal static class CaptureMeter
{
    internal static readonly Meter Meter = new(CaptureMetrics.MeterName, typeof(CaptureMeter).Assembly.GetName().Version?.ToString(3));

    private static readonly ConditionalWeakTable<CaptureSource, object?> Sources = new();
    private static long _nextId;

    private static readonly ObservableCounter<long> BytesInstrument = Meter.CreateObservableCounter(CaptureMetrics.Bytes,
        () => Observe(s => s.BytesRead), "By", "Captured bytes handed to readers (counted while this instrument is enabled).");

    static CaptureMeter()
    {
        Meter.CreateObservableCounter(CaptureMetrics.Packets, () => Observe(s => s.PacketsRead), "{packet}", "Packets handed to readers.");
        Meter.CreateObservableCounter(CaptureMetrics.KernelPackets, () => Observe(s => s.Stats.PacketsReceived, liveOnly: true), "{packet}",
            "Packets the kernel accepted for the socket after its filter, dropped ones included.");
        Meter.CreateObservableCounter(CaptureMetrics.KernelDrops, () => Observe(s => s.Stats.PacketsDropped, liveOnly: true), "{packet}",
            "Packets the kernel had no room for.");
        Meter.CreateObservableCounter(CaptureMetrics.QueueFreezes, () => Observe(s => s.Stats.QueueFreezes, liveOnly: true), "{freeze}",
            "Times the kernel found the ring full and froze it.");
        Meter.CreateObservableCounter(CaptureMetrics.InterfaceDrops, () => Observe(s => s.Stats.InterfaceDropped, liveOnly: true), "{packet}",
            "The interface's own receive drop counter.");
        Meter.CreateObservableCounter(CaptureMetrics.Starvations, () => Observe(s => s.Stats.RingStarvations), "{starvation}",
            "Times a read found every block still leased by consumers.");
        Meter.CreateObservableUpDownCounter(CaptureMetrics.OutstandingLeases, () => Observe(s => s.OutstandingLeases), "{block}",
            "Blocks leased to consumers and not yet disposed.");
    }

    /// <summary>True while a listener wants <see cref="CaptureMetrics.Bytes"/>: only then do reads sum the bytes of each block.</summary>
    internal static bool CountBytes
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => BytesInstrument.Enabled;
    }

    /// <summary>Adds a new source to what the instruments report and returns its id.</summary>
    internal static long Register(CaptureSource source)
    {
        Sources.AddOrUpdate(source, null);
        return Interlocked.Increment(ref _nextId);
    }

    /// <summary>Stops reporting a disposed source.</summary>
    internal static void Unregister(CaptureSource source) => Sources.Remove(source);

    /// <summary>The tags of <paramref name="source"/>'s measurements.</summary>
    internal static TagList TagsOf(CaptureSource source) => new()
    {
        { CaptureMetrics.InterfaceTag, source.Name },
        { CaptureMetrics.SourceKindTag, source.SourceKind },
        { CaptureMetrics.SourceIdTag, source.MetricsId },
    };

    /// <summary>One measurement per registered source (live sources only, or every one) whose counter is known (not negative).</summary>
    private static List<Measurement<long>> Observe(Func<CaptureSource, long> read, bool liveOnly = false)
    {
        var measurements = new List<Measurement<long>>();
        foreach (KeyValuePair<CaptureSource, object?> entry in Sources)
        {
            CaptureSource source = entry.Key;
            if (source.IsDisposed || (liveOnly && !source.IsLive)) continue;
            long value;
            try
            {
                value = read(source);
            }
            catch (ObjectDisposedException)
            {
                continue; // disposed while being read: it has left
            }
            if (value >= 0) measurements.Add(new Measurement<long>(value, TagsOf(source)));
        }
        return measurements;
    }
}
