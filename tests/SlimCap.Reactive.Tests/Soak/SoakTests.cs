using SlimCap.Reactive.Tests.Capture;
using SlimCap.Reactive.Tests.Infrastructure;
using Xunit.Sdk;

namespace SlimCap.Reactive.Tests.Soak;

/// <summary>
/// Sustained traffic through each read surface with a consumer of realistic cost, sampling RSS, GC
/// heap, gen-2 collections, descriptors and drops; fails if memory or descriptors trend upward.
/// The CI variant runs about a minute in all. For the long run set SLIMCAP_SOAK_SECONDS (per surface),
/// e.g. <c>SLIMCAP_SOAK_SECONDS=600 dotnet test --filter FullyQualifiedName~Soak</c>, and keep the log.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class SoakTests(ITestOutputHelper output)
{
    private static double SecondsPerSurface =>
        double.TryParse(Environment.GetEnvironmentVariable("SLIMCAP_SOAK_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out double s) && s > 0 ? s : 12;

    public static TheoryData<string> Surfaces => new() { "callback", "ref", "blocks", "socket" };

    [Theory]
    [MemberData(nameof(Surfaces))]
    public void MemoryAndDescriptorsStayFlatUnderSustainedTraffic(string surface)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using var stop = new CancellationTokenSource();
        double seconds = SecondsPerSurface;
        var traffic = new Thread(() => net.Peer(() =>
        {
            using var injector = new FrameInjector(net.PeerInterface);
            var until = DateTime.UtcNow.AddSeconds(seconds + 30);
            for (long i = 0; !stop.IsCancellationRequested && DateTime.UtcNow < until; i++)
            {
                injector.Send(Frames.Udp(i, 64 + (int)(i % 500), sourcePort: (ushort)(1024 + i % 2000)));
                if (i % 16 == 0) Thread.Sleep(0);
            }
            return 0;
        })) { IsBackground = true };

        using CaptureSource source = net.Capture<CaptureSource>(() => surface == "socket"
            ? new SocketSource(net.CaptureInterface, new SocketOptions { ReceiveBufferSize = 8 << 20 })
            : new RingSource(net.CaptureInterface, new RingOptions { BlockSize = 1 << 18, BlockCount = 8, BlockTimeout = TimeSpan.FromMilliseconds(20) }));
        var consumer = new SoakConsumer();
        var reader = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    switch (surface)
                    {
                        case "callback":
                            if (source.NextPacket(consumer, static (c, payload, total, type, ip) => c.Consume(payload, total, ip)) == CaptureStatus.Stopped) return;
                            break;
                        case "ref":
                            CaptureStatus s = source.NextPacketRef(out PacketRef p);
                            if (s == CaptureStatus.Stopped) return;
                            if (s == CaptureStatus.Packet) consumer.Consume(p);
                            break;
                        default:
                            CaptureStatus b = source.NextBlock(out PacketBlock? block);
                            if (b == CaptureStatus.Stopped) return;
                            if (block is null) break;
                            using (block) foreach (PacketRef q in block) consumer.Consume(q);
                            break;
                    }
                }
            }
            catch (ObjectDisposedException)
            {
            }
        }) { IsBackground = true };

        int descriptorsBefore = Directory.GetFileSystemEntries("/proc/self/fd").Length;
        reader.Start();
        traffic.Start();
        var samples = new List<SoakSample>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            Thread.Sleep(500);
            samples.Add(SoakSample.Take(clock.Elapsed.TotalSeconds, consumer.Packets, source.Stats.PacketsDropped));
        }
        stop.Cancel();
        traffic.Join(10_000);
        source.Dispose();
        Assert.True(reader.Join(5000), "the reader did not stop");
        foreach (SoakSample sample in samples) output.WriteLine(sample.ToString());

        Assert.True(consumer.Packets > 10_000, $"only {consumer.Packets} packets went through the {surface} surface");
        // Compare the last third with the second third (the first third holds warm-up: JIT, pools, tiering).
        int third = samples.Count / 3;
        var middle = samples.Skip(third).Take(third).ToList();
        var last = samples.Skip(2 * third).ToList();
        double rssGrowth = last.Average(s => (double)s.RssBytes) - middle.Average(s => (double)s.RssBytes);
        double heapGrowth = last.Average(s => (double)s.HeapBytes) - middle.Average(s => (double)s.HeapBytes);
        Assert.True(rssGrowth < 8 << 20, $"RSS grew by {rssGrowth / (1 << 20):F1} MiB between the middle and the last third");
        Assert.True(heapGrowth < 4 << 20, $"the GC heap grew by {heapGrowth / (1 << 10):F0} KiB between the middle and the last third");
        Assert.True(last.Max(s => s.Descriptors) <= descriptorsBefore + 2, $"descriptors grew from {descriptorsBefore} to {last.Max(s => s.Descriptors)}");
    }
}
