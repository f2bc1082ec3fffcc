using System.Threading.Tasks.Dataflow;
using SlimCap.Examples;
using SlimCap.Reactive;

// A Dataflow pipeline with partitioned fan-out: packets are spread over 3 workers by a symmetric 5-tuple hash, so
// each worker sees whole flows (both directions) in order. Bounded everywhere; full workers drop, and count it.
//   dotnet run --project examples/DataflowPipeline            capture on loopback for 3 s, sending itself UDP datagrams
//   dotnet run --project examples/DataflowPipeline -- eth0    capture on another interface
string device = args.Length > 0 ? args[0] : "lo";
const int Workers = 3;

CaptureSource source;
try
{
    // The one line that opens the source. A capture file will open here too once the file reader exists.
    source = new RingSource(device, new RingOptions { BlockTimeout = TimeSpan.FromMilliseconds(20) });
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

    using var partitioner = new PacketPartitioner(workers, new FanOutOptions { BoundedCapacity = 4, BackPressure = BackPressurePolicy.Drop });
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
    Task traffic = device == "lo" ? SendFlowsAsync(stop.Token) : Task.CompletedTask;
    Console.WriteLine($"Partitioning packets on {device} over {Workers} workers for 3 s...");
    try
    {
        await partitioner.RunAsync(source, stop.Token);
    }
    catch (OperationCanceledException)
    {
        // The 3 seconds are over: the capture stopped and the workers finish what they hold.
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
    Console.WriteLine($"kernel: {stats.PacketsReceived} received, {stats.PacketsDropped} dropped");
}
return 0;

// Several UDP "flows" to 127.0.0.1 (one port each), so the partitions have something to spread.
static Task SendFlowsAsync(CancellationToken cancellationToken) =>
    Task.WhenAll(Enumerable.Range(0, 6).Select(i => LoopbackSender.SendAsync(50, TimeSpan.FromMilliseconds(10), 33400 + i, cancellationToken)));
