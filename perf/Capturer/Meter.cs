using System.Diagnostics;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Capturer;

/// <summary>
/// What a run counts (packets, bytes, the sum of first bytes, as the C floor does) and the clocks
/// around the measured window: process-wide CPU and allocated bytes from the first packet on.
/// </summary>
internal sealed class Meter
{
    // Public fields: the hot paths add to them directly (a callback's state, an observer's fields).
    public long Packets;
    public long Bytes;
    public long Touch;
    public long Sampled;

    private TimeSpan _cpu0;
    private long _alloc0;
    private long _t0;
    private long _t1;

    public bool Started { get; private set; }

    /// <summary>Starts the clocks; called once, right after the first packet arrived.</summary>
    public void Start()
    {
        if (ThreadCpu.Enabled) _threads0 = ThreadCpu.Read();
        _alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        _cpu0 = Environment.CpuUsage.TotalTime;
        _t0 = Stopwatch.GetTimestamp();
        _t1 = _t0;
        Started = true;
    }

    /// <summary>Marks the end of useful work (the last block or packet seen) for wall_s.</summary>
    public void MarkWall() => _t1 = Stopwatch.GetTimestamp();

    /// <summary>
    /// Stops the clocks: CPU and allocation up to now. The first call decides (a capture thread may
    /// stop them the moment it reaches the count, before the main thread looks); later calls return the same.
    /// </summary>
    public Result Finish()
    {
        TimeSpan cpu = Environment.CpuUsage.TotalTime;
        long alloc = GC.GetTotalAllocatedBytes(precise: true);
        if (_finished is Result done) return done;
        if (!Started) return default;
        var result = new Result((cpu - _cpu0).TotalSeconds, Stopwatch.GetElapsedTime(_t0, _t1).TotalSeconds, alloc - _alloc0,
            Packets, Bytes, Touch, Sampled);
        _finished = result;
        if (_threads0 is not null) ThreadCpu.Report(_threads0, ThreadCpu.Read(), Packets);
        return result;
    }

    private Result? _finished;
    private Dictionary<int, (string Name, long Ns)>? _threads0;

    public void Reset()
    {
        Packets = Bytes = Touch = Sampled = 0;
        Started = false;
        _finished = null;
    }

    /// <summary>The window's clocks and the counts at the moment it closed.</summary>
    public readonly record struct Result(double CpuSeconds, double WallSeconds, long AllocatedBytes,
        long Packets, long Bytes, long Touch, long Sampled);
}

/// <summary>Set by SIGTERM/SIGINT: the run ends, its line is still printed.</summary>
internal sealed class StopSignal
{
    private volatile bool _requested;
    private CaptureSource? _source;
    private Action? _onStop;

    public bool Requested => _requested;

    /// <summary>The source whose blocked reader a stop must wake, and what else to do on a stop.</summary>
    public void Attach(CaptureSource? source, Action? onStop = null)
    {
        _source = source;
        _onStop = onStop;
        if (_requested) Wake();
    }

    public void Request()
    {
        _requested = true;
        Wake();
    }

    private void Wake()
    {
        _source?.Unblock();
        _onStop?.Invoke();
    }
}
