using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Dataflow;

/// <summary>What a fan-out does with a block for a target whose bounded buffer is full.</summary>
public enum BackPressurePolicy
{
    /// <summary>
    /// The producer (the capture thread) waits until the target has room. Nothing is dropped here: while it waits
    /// the ring fills and the kernel drops instead, counted in the source's <see cref="CaptureStats.PacketsDropped"/>
    /// (or, for in-memory sources, as <see cref="CaptureStats.RingStarvations"/>). One slow target slows every target.
    /// </summary>
    Wait = 0,

    /// <summary>
    /// The block (or partition view) for a target that already has <see cref="FanOutOptions.BoundedCapacity"/> views
    /// waiting is disposed at once and counted in that target's <see cref="FanOutTargetCounters"/>; the other targets
    /// are not held up, and views waiting for a stalled target move off a kernel ring onto copies, so the kernel does
    /// not drop for the others (see <see cref="FanOutOptions.BoundedCapacity"/>).
    /// </summary>
    Drop = 1,
}
