using System.Globalization;
using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Capturer;

/// <summary>
/// A PACKET_FANOUT group of FANOUT_MEMBERS rings (default 2) in mode FANOUT_MODE (default hash), each ring the C floor's
/// geometry (1 MiB blocks; the bufferMiB budget split between the members, at least 2 blocks each), each read on its own capture thread, pinned to the CPUs in
/// FANOUT_CPUS ("0,1"; default: unpinned, so the threads inherit the process's affinity). The kernel partition, in the
/// place of the single ring + user-space <see cref="PacketPartitioner"/> of mode <c>dataflow</c>:
/// <list type="bullet">
/// <item><c>fanout</c>: each member's block stream (<c>MemberBlocks(i)</c>) walked on its own capture thread, no merge point;</item>
/// <item><c>fanout-dataflow</c>: member i feeds ActionBlock i (<c>LinkTo</c>), the targets as in mode <c>dataflow</c>
/// (thread pool; <c>fanout-dataflow-dedicated</c>: a <see cref="DedicatedTaskScheduler"/> of one thread per member).</item>
/// </list>
/// Counts are summed over the members; kernel_received/dropped are the group's summed stats.
/// </summary>
internal sealed class FanoutGroupMode(bool dataflow, bool dedicated = false) : Mode
{
    private readonly int _members = int.TryParse(Environment.GetEnvironmentVariable("FANOUT_MEMBERS"), out int m) && m > 0 ? m : 2;
    private readonly FanoutMode _mode = Enum.TryParse(Environment.GetEnvironmentVariable("FANOUT_MODE"), ignoreCase: true, out FanoutMode f) ? f : FanoutMode.Hash;
    private readonly int[]? _cpus = Environment.GetEnvironmentVariable("FANOUT_CPUS") is { Length: > 0 } list
        ? list.Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray() : null;

    public override string Name => !dataflow ? "fanout" : dedicated ? "fanout-dataflow-dedicated" : "fanout-dataflow";

    /// <summary>The warm-up over the ring image: the same per-block consumer, on the image's one stream.</summary>
    public override void Run(CaptureSource source, Meter meter, long want, StopSignal stop)
    {
        using var done = new ManualResetEventSlim();
        stop.Attach(source, done.Set);
        using (source.ToObservable().Subscribe(new SharedMeterConsumer(meter, want, done, new SharedMeterConsumer.StartOnce())))
            done.Wait();
        meter.Finish();
        stop.Attach(null);
    }

    /// <summary>Opens the group, prints <c>ready</c>, runs, and returns the group's summed stats.</summary>
    public CaptureStats RunLive(string iface, int snapLength, int bufferMiB, Meter meter, long want, StopSignal stop)
    {
        var options = new RingOptions
        {
            BlockSize = 1 << 20,
            // The capture's buffer budget is shared: N members of bufferMiB / N blocks hold what the single ring holds.
            BlockCount = Math.Max(2, bufferMiB / _members),
            CaptureLength = Filters.CaptureLength.Fixed(snapLength),
            BlockTimeout = TimeSpan.FromMilliseconds(100),
            Fanout = new FanoutGroupOptions { Mode = _mode },
        };
        using var group = new FanoutGroupSource(iface, _members, options, _cpus);
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        using var done = new ManualResetEventSlim();
        stop.Attach(null, done.Set);
        if (dataflow) RunDataflow(group, meter, want, done);
        else RunStreams(group, meter, want, done);
        meter.Finish();
        stop.Attach(null);
        return group.Stats;
    }

    private static void RunStreams(FanoutGroupSource group, Meter meter, long want, ManualResetEventSlim done)
    {
        var subscriptions = new IDisposable[group.MemberCount];
        var start = new SharedMeterConsumer.StartOnce();
        for (int i = 0; i < subscriptions.Length; i++) subscriptions[i] = group.MemberBlocks(i).Subscribe(new SharedMeterConsumer(meter, want, done, start));
        done.Wait();
        meter.Finish();
        foreach (IDisposable s in subscriptions) s.Dispose();
    }

    private void RunDataflow(FanoutGroupSource group, Meter meter, long want, ManualResetEventSlim done)
    {
        using DedicatedTaskScheduler? scheduler = dedicated ? new DedicatedTaskScheduler(group.MemberCount) : null;
        var options = new ExecutionDataflowBlockOptions
        {
            BoundedCapacity = 4,
            SingleProducerConstrained = true,
            TaskScheduler = scheduler ?? TaskScheduler.Default,
        };
        var targets = new ActionBlock<PacketBlock>[group.MemberCount];
        var start = new SharedMeterConsumer.StartOnce();
        for (int i = 0; i < targets.Length; i++)
        {
            var consumer = new SharedMeterConsumer(meter, want, done, start);
            targets[i] = new ActionBlock<PacketBlock>(consumer.OnNext, options);
        }
        using (FanoutGroupFeed feed = group.LinkTo(targets))
        {
            feed.Capture.ContinueWith(_ => done.Set(), TaskScheduler.Default);
            done.Wait();
            meter.Finish();
        }
    }
}
