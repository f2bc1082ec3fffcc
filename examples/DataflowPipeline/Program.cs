using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Shared;

// A Dataflow pipeline with partitioned fan-out: packets are spread over 3 workers by a symmetric 5-tuple hash, so
// each worker sees whole flows (both directions) in order. Bounded everywhere; full workers drop, and count it.
//   dotnet run --project examples/DataflowPipeline                    capture on loopback for 3 s, sending itself UDP datagrams
//   dotnet run --project examples/DataflowPipeline -- eth0            capture on another interface for 3 s
//   dotnet run --project examples/DataflowPipeline -- trace.pcapng    read a capture file (pcap or pcapng) to its end
string target = args.Length > 0 ? args[0] : "lo";
bool fromFile = File.Exists(target);
const int Workers = 3;

CaptureSource source;
try
{
    // The one line that opens the source: a capture file if the argument names one, else a TPACKET_V3 ring on the interface.
    // Live capture is Linux-only ([SupportedOSPlatform("linux")]); the guard tells the platform analyzer this branch is.
    source = fromFile ? CaptureFileSource.Open(target)
        : OperatingSystem.IsLinux() ? new RingSource(target, new RingOptions { BlockTimeout = TimeSpan.FromMilliseconds(20) })
        : throw new PlatformNotSupportedException("live capture needs Linux; on this OS pass a capture file");
}
catch (CaptureException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

using (source)
{
    // Each worker owns the partition views it receives and disposes them; it counts packets per flow.
    var flowsPerWorker = new Dictionary<ulong, long>[Workers];
    var workers = new ActionBlock<PacketBlock>[Workers];
    for (int w = 0; w < Workers; w++)
    {
        var flows = flowsPerWorker[w] = new Dictionary<ulong, long>();
        workers[w] = new ActionBlock<PacketBlock>(view =>
        {
            using (view)
            {
                foreach (PacketRef packet in view)
                {
                    ulong flow = FlowKey.Symmetric5Tuple(packet);
                    flows[flow] = flows.GetValueOrDefault(flow) + 1;
                }
            }
        }, new ExecutionDataflowBlockOptions { BoundedCapacity = 4 });
    }

    // A live capture drops what a full worker cannot take (and counts it); a file waits for the workers instead.
    using var partitioner = new PacketPartitioner(workers, new FanOutOptions
    {
        BoundedCapacity = 4,
        BackPressure = fromFile ? BackPressurePolicy.Wait : BackPressurePolicy.Drop,
    });
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(fromFile ? 60 : 3));
    Task traffic = target == "lo" ? SendFlowsAsync(stop.Token) : Task.CompletedTask;
    Console.WriteLine($"Partitioning packets from {target} over {Workers} workers...");
    try
    {
        await partitioner.RunAsync(source, stop.Token);
    }
    catch (OperationCanceledException)
    {
        // Time is up: the capture stopped and the workers finish what they hold.
    }
    catch (CaptureException e)
    {
        Console.Error.WriteLine(e.Message);
        return 1;
    }
    await partitioner.Completion;
    await traffic;

    for (int w = 0; w < Workers; w++)
    {
        FanOutTargetCounters c = partitioner.GetCounters(w);
        Console.WriteLine($"worker {w}: {c.PacketsDelivered} packets in {flowsPerWorker[w].Count} flows, {c.PacketsDropped} dropped (worker full)");
        foreach ((ulong flow, long packets) in flowsPerWorker[w].OrderByDescending(f => f.Value).Take(3))
            Console.WriteLine($"    flow {flow:x16}: {packets} packets");
    }
    CaptureStats stats = source.Stats;
    Console.WriteLine($"source: {stats.PacketsReceived} received, {stats.PacketsDropped} dropped");
}
return 0;

// Several UDP "flows" to 127.0.0.1 (one port each), so the partitions have something to spread.
static Task SendFlowsAsync(CancellationToken cancellationToken) =>
    Task.WhenAll(Enumerable.Range(0, 6).Select(i => LoopbackSender.SendAsync(50, TimeSpan.FromMilliseconds(10), 33400 + i, cancellationToken)));
