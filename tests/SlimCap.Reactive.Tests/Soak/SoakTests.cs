using SlimCap.Reactive.Tests.Infrastructure;
using System.Threading.Tasks.Dataflow;
using Xunit.Sdk;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Packets;

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
        double.TryParse(Environment.GetEnvironmentVariable("SLIMCAP_SOAK_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out double s) && s > 0 ? s : 8;

    public static TheoryData<string> Surfaces => new() { "callback", "ref", "blocks", "socket", "observable", "async", "dataflow" };

    [Theory]
    [MemberData(nameof(Surfaces))]
    public async Task Memory_and_descriptors_stay_flat_under_sustained_traffic(string surface)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using var stop = new CancellationTokenSource();
        double seconds = SecondsPerSurface;

        using CaptureSource source = net.Capture<CaptureSource>(() => surface == "socket"
            ? new SocketSource(net.CaptureInterface, new SocketOptions { ReceiveBufferSize = 8 << 20 })
            : new RingSource(net.CaptureInterface, new RingOptions { BlockSize = 1 << 18, BlockCount = 8, BlockTimeout = TimeSpan.FromMilliseconds(20) }));
        var consumer = new SoakConsumer();
        var consumer2 = new SoakConsumer();
        using var cancel = new CancellationTokenSource();
        Task reading = surface switch
        {
            "observable" => Task.Run(async () =>
            {
                var done = new TaskCompletionSource();
                using IDisposable subscription = source.ToObservable().Subscribe(
                    block => { using (block) foreach (PacketRef q in block) consumer.Consume(q); },
                    e => done.TrySetException(e), () => done.TrySetResult());
                using CancellationTokenRegistration registration = cancel.Token.Register(() => done.TrySetResult());
                await done.Task;
            }),
            "async" => Task.Run(async () =>
            {
                try
                {
                    await foreach (PacketRef q in source.ReadAllAsync(cancel.Token)) consumer.Consume(q);
                }
                catch (OperationCanceledException)
                {
                }
            }),
            "dataflow" => Task.Run(async () =>
            {
                SoakConsumer[] consumers = [consumer, consumer2];
                var workers = consumers.Select(c => new ActionBlock<PacketBlock>(view =>
                {
                    using (view) foreach (PacketRef q in view) c.Consume(q);
                }, new ExecutionDataflowBlockOptions { BoundedCapacity = 4 })).ToArray();
                using var partitioner = new PacketPartitioner(workers, new FanOutOptions { BoundedCapacity = 4, BackPressure = BackPressurePolicy.Wait });
                try
                {
                    await partitioner.RunAsync(source, cancel.Token);
                }
                catch (OperationCanceledException)
                {
                }
                await partitioner.Completion;
            }),
            _ => Task.Factory.StartNew(() => ReadDirectly(source, surface, consumer), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default),
        };

        int descriptorsBefore = Directory.GetFileSystemEntries("/proc/self/fd").Length;
        // Preallocated: a frame made per packet would be this process's own garbage, measured as if capture made it.
        byte[][] frames = Enumerable.Range(0, 2000).Select(i => Frames.Udp(i, 64 + i % 500, sourcePort: (ushort)(1024 + i))).ToArray();
        Thread traffic = net.StartTraffic(stop.Token, i => frames[i % frames.Length], maxSeconds: (int)seconds + 30);
        var samples = new List<SoakSample>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            Thread.Sleep(500);
            samples.Add(SoakSample.Take(clock.Elapsed.TotalSeconds, consumer.Packets + consumer2.Packets, source.Stats.PacketsDropped));
        }
        stop.Cancel();
        traffic.Join(10_000);
        cancel.Cancel();
        // The surfaces that take the token stop on it before the source closes, as a service stops: closing first would
        // end the leases still in use (a Dataflow target's buffered blocks, the packet a loop body is reading), whose
        // reads then throw ObjectDisposedException. The packet-call surfaces stop on the close.
        if (surface is "dataflow" or "async" or "observable")
            Assert.True(await Task.WhenAny(reading, Task.Delay(10_000, TestContext.Current.CancellationToken)) == reading, $"the {surface} reader did not stop on the cancellation");
        source.Dispose();
        Assert.True(await Task.WhenAny(reading, Task.Delay(10_000, TestContext.Current.CancellationToken)) == reading, "the reader did not stop");
        await reading;
        foreach (SoakSample sample in samples) output.WriteLine(sample.ToString());

        long total = consumer.Packets + consumer2.Packets;
        Assert.True(total > 10_000, $"only {total} packets went through the {surface} surface");
        // Compare the last third with the second third (the first third holds warm-up: JIT, pools, tiering). The heap is
        // what survives a full collection: live memory, so garbage between collections does not read as growth.
        int third = samples.Count / 3;
        var middle = samples.Skip(third).Take(third).ToList();
        var last = samples.Skip(2 * third).ToList();
        double rssGrowth = last.Average(s => (double)s.RssBytes) - middle.Average(s => (double)s.RssBytes);
        double heapGrowth = last.Average(s => (double)s.HeapBytes) - middle.Average(s => (double)s.HeapBytes);
        Assert.True(rssGrowth < 8 << 20, $"RSS grew by {rssGrowth / (1 << 20):F1} MiB between the middle and the last third");
        Assert.True(heapGrowth < 4 << 20, $"the GC heap grew by {heapGrowth / (1 << 10):F0} KiB between the middle and the last third");
        // Capture's own descriptors and mappings never change once running; the runtime's may wobble a little.
        SoakSample reference = middle[0];
        Assert.All(middle.Concat(last), s => Assert.True(s.Capture.SameCaptureResourcesAs(reference.Capture), $"capture resources changed: {reference.Capture} -> {s.Capture}"));
        Assert.True(last.Max(s => s.Descriptors) <= descriptorsBefore + 16, $"descriptors grew from {descriptorsBefore} to {last.Max(s => s.Descriptors)}");
    }

    private static void ReadDirectly(CaptureSource source, string surface, SoakConsumer consumer)
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
    }
}
