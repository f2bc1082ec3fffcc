using System.Diagnostics.Metrics;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>One measurement a collection saw: the instrument, its value and its tags.</summary>
internal sealed record Observed(string Instrument, long Value, IReadOnlyDictionary<string, object?> Tags)
{
    public object? Tag(string name) => Tags.TryGetValue(name, out object? value) ? value : null;
}

/// <summary>
/// A <see cref="MeterListener"/> on the library's meter, as dotnet-counters or OpenTelemetry would attach one: it enables
/// the instruments it is told to (all by default) and, on <see cref="Collect"/>, records every observable instrument once.
/// </summary>
internal sealed class MeterProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<Observed> _collected = new();

    public MeterProbe(Func<string, bool>? enable = null)
    {
        enable ??= _ => true;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == CaptureMetrics.MeterName && enable(instrument.Name)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var dictionary = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, object?> tag in tags) dictionary[tag.Key] = tag.Value;
            _collected.Add(new Observed(instrument.Name, value, dictionary));
        });
        _listener.Start();
    }

    /// <summary>Every measurement of one collection whose interface tag is <paramref name="interfaceName"/>.</summary>
    public List<Observed> Collect(string interfaceName)
    {
        lock (_collected)
        {
            _collected.Clear();
            _listener.RecordObservableInstruments();
            return _collected.Where(m => Equals(m.Tag(CaptureMetrics.InterfaceTag), interfaceName)).ToList();
        }
    }

    /// <summary>The single value of <paramref name="instrument"/> among <paramref name="measurements"/>.</summary>
    public static long ValueOf(IEnumerable<Observed> measurements, string instrument) =>
        Assert.Single(measurements, m => m.Instrument == instrument).Value;

    public void Dispose() => _listener.Dispose();
}
