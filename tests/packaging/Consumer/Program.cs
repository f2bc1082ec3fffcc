using System.Diagnostics.Metrics;
using System.Reactive.Linq;
using SlimCap.Reactive;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;

// Reads one capture file three ways (await foreach, Rx with System.Reactive 6.0.1, the meter) and prints what each saw;
// the test compares every figure with the corpus manifest.
string path = args[0];

long records = 0, bytes = 0;
using (CaptureFileSource file = CaptureFileSource.Open(path))
    await foreach (PacketRef p in file.ReadAllAsync())
    {
        records++;
        bytes += p.CapturedLength;
    }

long rxRecords;
using (CaptureFileSource file = CaptureFileSource.Open(path))
    rxRecords = await file.ToObservable().Packets().Select(p => (long)p.CapturedLength).Count().Select(n => (long)n);

long metered = -1;
using (var listener = new MeterListener())
{
    listener.InstrumentPublished = (instrument, l) =>
    {
        if (instrument.Meter.Name == CaptureMetrics.MeterName && instrument.Name == CaptureMetrics.Packets) l.EnableMeasurementEvents(instrument);
    };
    listener.SetMeasurementEventCallback<long>((_, value, _, _) => metered = Math.Max(metered, value));
    listener.Start();
    using CaptureFileSource file = CaptureFileSource.Open(path);
    while (file.NextBlock(out PacketBlock? block) == CaptureStatus.Packet) block!.Dispose();
    listener.RecordObservableInstruments();
}

Console.WriteLine($"records={records} bytes={bytes} rx={rxRecords} meter={metered} aot={!System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported}");
