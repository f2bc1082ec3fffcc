using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Dataflow;

/// <summary>
/// <see cref="CaptureMetrics.FanOutDrops"/> on the library's meter: each live fan-out's per-target drop counters, read
/// when a listener collects. Fan-outs register when created and leave when disposed; held weakly.
/// </summary>
internal static class FanOutMeter
{
    private static readonly ConditionalWeakTable<PacketFanOut, object?> FanOuts = new();

    static FanOutMeter() =>
        CaptureMeter.Meter.CreateObservableCounter(CaptureMetrics.FanOutDrops, Observe, "{packet}",
            "Packets a Dataflow fan-out disposed instead of delivering to a target.");

    internal static void Register(PacketFanOut fanOut) => FanOuts.AddOrUpdate(fanOut, null);

    internal static void Unregister(PacketFanOut fanOut) => FanOuts.Remove(fanOut);

    private static List<Measurement<long>> Observe()
    {
        var measurements = new List<Measurement<long>>();
        foreach (KeyValuePair<PacketFanOut, object?> entry in FanOuts)
        {
            PacketFanOut fanOut = entry.Key;
            CaptureSource? source = fanOut.MeteredSource;
            for (int target = 0; target < fanOut.TargetCount; target++)
            {
                TagList tags = source is null ? default : CaptureMeter.TagsOf(source);
                tags.Add(CaptureMetrics.FanOutKindTag, fanOut.MetricsKind);
                tags.Add(CaptureMetrics.FanOutTargetTag, target);
                measurements.Add(new Measurement<long>(fanOut.GetCounters(target).PacketsDropped, tags));
            }
        }
        return measurements;
    }
}
