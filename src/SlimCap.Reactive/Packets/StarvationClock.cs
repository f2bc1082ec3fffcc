using System.Diagnostics;

namespace SlimCap.Reactive.Packets;

/// <summary>
/// Times how long a source's reader has found every block leased, and asks the garbage collector for forgotten leases
/// when that goes on: a <see cref="PacketBlock"/> dropped without being disposed (a subscriber that never disposes, an
/// Rx operator that drops what it queued) gives its block back only once it is collected, and a starved reader may be
/// the only one still running. A collection comes after <see cref="FirstCollection"/> of starvation, and at most one
/// per <see cref="CollectionInterval"/> however often the reader starves, so a consumer that really holds every block
/// costs at most one background collection a second.
/// </summary>
/// <remarks>Reader thread only (a mutable struct kept in the source's field).</remarks>
internal struct StarvationClock
{
    internal static readonly TimeSpan FirstCollection = TimeSpan.FromMilliseconds(250);
    internal static readonly TimeSpan CollectionInterval = TimeSpan.FromSeconds(1);

    private long _since;       // Stopwatch ticks when this starvation began, 0 when fed
    private long _lastCollect;  // Stopwatch ticks of the last collection, 0 before the first

    /// <summary>The reader found every block leased (again). May collect; never blocks.</summary>
    internal void Starving()
    {
        long now = Stopwatch.GetTimestamp();
        if (_since == 0)
        {
            _since = now;
            return;
        }
        TimeSpan starved = Stopwatch.GetElapsedTime(_since, now);
        if (starved < FirstCollection) return;
        if (_lastCollect != 0 && Stopwatch.GetElapsedTime(_lastCollect, now) < CollectionInterval) return;
        _lastCollect = now;
        // Non-blocking: the finalizers of unreachable leases run on the finalizer thread and release their blocks,
        // which wakes this reader like any release.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false);
    }

    /// <summary>
    /// How long a starved reader may park before it must call <see cref="Starving"/> again for the next collection to
    /// happen on time, in milliseconds (at least 1); -1 (forever) when it is not starving.
    /// </summary>
    internal readonly int MillisecondsUntilCollection()
    {
        if (_since == 0) return -1;
        long now = Stopwatch.GetTimestamp();
        TimeSpan due = FirstCollection - Stopwatch.GetElapsedTime(_since, now);
        if (_lastCollect != 0)
        {
            TimeSpan interval = CollectionInterval - Stopwatch.GetElapsedTime(_lastCollect, now);
            if (interval > due) due = interval;
        }
        return Math.Max(1, (int)Math.Ceiling(due.TotalMilliseconds));
    }

    /// <summary>The reader got a block: starvation (if any) is over.</summary>
    internal void Fed() => _since = 0;
}
