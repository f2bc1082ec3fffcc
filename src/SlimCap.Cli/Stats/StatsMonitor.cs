using SlimCap.Cli.Capture;
using SlimCap.Reactive;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Stats;

/// <summary>
/// Captures on each interface on a thread of its own, counting into a <see cref="TrafficCounter"/>, and turns the
/// counters into one <see cref="StatsSample"/> per tick with the rates since the previous tick.
/// </summary>
internal sealed class StatsMonitor : IDisposable
{
    private readonly List<Watched> _watched = [];
    private readonly CancellationToken _stop;
    private readonly Dictionary<string, (long Packets, long Bytes)> _previous = [];
    private DateTimeOffset _last;

    public StatsMonitor(IEnumerable<LiveCapture> captures, CancellationToken stop)
    {
        _stop = stop;
        _last = DateTimeOffset.UtcNow;
        foreach (LiveCapture capture in captures)
        {
            var counter = new TrafficCounter(capture.MemberCount);
            var watched = new Watched(capture, counter);
            watched.Thread = new Thread(() => Count(watched)) { IsBackground = true, Name = $"slimcap stats {capture.Name}" };
            _watched.Add(watched);
        }
        foreach (Watched w in _watched) w.Thread!.Start();
    }

    /// <summary>The first failure of a capture thread, or null.</summary>
    public Exception? Failure => _watched.Select(w => w.Failure).FirstOrDefault(e => e is not null);

    public StatsSample Sample(int topFlows)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        double seconds = Math.Max((now - _last).TotalSeconds, 1e-3);
        _last = now;
        var rows = new List<StatsRow>();
        var flows = new List<FlowRow>();
        foreach (Watched w in _watched)
        {
            CaptureStats kernel = w.Capture.Stats;
            rows.Add(Row(w.Capture.Name, w.Counter.Packets, w.Counter.Bytes, kernel, seconds));
            for (int m = 0; m < w.Capture.MemberCount; m++)
                rows.Add(Row($"{w.Capture.Name}#{m}", w.Counter.MemberPackets(m), w.Counter.MemberBytes(m), w.Capture.MemberStats(m), seconds));
            flows.AddRange(w.Counter.Flows.Top(topFlows));
        }
        return new StatsSample(now, rows, [.. flows.OrderByDescending(f => f.Bytes).Take(topFlows)]);
    }

    private StatsRow Row(string name, long packets, long bytes, CaptureStats kernel, double seconds)
    {
        (long p0, long b0) = _previous.GetValueOrDefault(name);
        _previous[name] = (packets, bytes);
        return new StatsRow(name, (packets - p0) / seconds, (bytes - b0) / seconds, packets, bytes, kernel.PacketsDropped, kernel.QueueFreezes);
    }

    private void Count(Watched w)
    {
        try
        {
            using IBlockFeed feed = w.Capture.OpenFeed();
            PacketPump.Run(feed, w.Counter, filter: null, limit: 0, _stop);
        }
        catch (Exception e)
        {
            w.Failure = e;
        }
    }

    public void Dispose()
    {
        foreach (Watched w in _watched) w.Thread!.Join(TimeSpan.FromSeconds(2));
        foreach (Watched w in _watched) w.Capture.Dispose();
    }

    private sealed class Watched(LiveCapture capture, TrafficCounter counter)
    {
        public LiveCapture Capture { get; } = capture;
        public TrafficCounter Counter { get; } = counter;
        public Thread? Thread { get; set; }
        public Exception? Failure { get; set; }
    }
}
