namespace SlimCap.Reactive.Tests.Soak;

/// <summary>One reading of the process's footprint during a soak run.</summary>
internal readonly record struct SoakSample(double Seconds, long RssBytes, long HeapBytes, int Gen2Collections, int Descriptors, long Packets, long Dropped)
{
    public static SoakSample Take(double seconds, long packets, long dropped)
    {
        long pages = long.Parse(File.ReadAllText("/proc/self/statm").Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return new SoakSample(seconds, pages * Environment.SystemPageSize, GC.GetTotalMemory(false), GC.CollectionCount(2),
            Directory.GetFileSystemEntries("/proc/self/fd").Length, packets, dropped);
    }

    public override string ToString() =>
        $"{Seconds,6:F1}s rss {RssBytes >> 20,4} MiB heap {HeapBytes >> 10,7} KiB gen2 {Gen2Collections,3} fds {Descriptors,4} packets {Packets,10} dropped {Dropped,8}";
}
