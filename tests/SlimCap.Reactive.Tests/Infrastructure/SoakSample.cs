
namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>One reading of the process's footprint during a soak run.</summary>
internal readonly record struct SoakSample(double Seconds, long RssBytes, long HeapBytes, int Gen2Collections, int Descriptors, long Packets, long Dropped,
    SlimCap.Reactive.Tests.Infrastructure.ProcessResources Capture)
{
    public static SoakSample Take(double seconds, long packets, long dropped)
    {
        long pages = long.Parse(File.ReadAllText("/proc/self/statm").Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var capture = SlimCap.Reactive.Tests.Infrastructure.ProcessResources.Read();
        return new SoakSample(seconds, pages * Environment.SystemPageSize, GC.GetTotalMemory(forceFullCollection: true), GC.CollectionCount(2),
            capture.AllDescriptors, packets, dropped, capture);
    }

    public override string ToString() =>
        $"{Seconds,6:F1}s rss {RssBytes >> 20,4} MiB heap {HeapBytes >> 10,7} KiB gen2 {Gen2Collections,3} fds {Descriptors,4} (sockets {Capture.Sockets}, eventfds {Capture.EventFds}, ring maps {Capture.SocketMappings}) packets {Packets,10} dropped {Dropped,8}";
}
