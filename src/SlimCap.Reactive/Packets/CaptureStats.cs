namespace SlimCap.Reactive.Packets;

/// <summary>
/// Cumulative counters of a source since it was opened. All are 64-bit and never reset by reading
/// (the kernel resets its own on every read; the source accumulates them).
/// </summary>
/// <param name="PacketsReceived">Packets the kernel accepted for this socket after its filter, including the dropped ones (kernel <c>tp_packets</c>).</param>
/// <param name="PacketsDropped">Packets the kernel accepted but had no room for (kernel <c>tp_drops</c>).</param>
/// <param name="QueueFreezes">Times the kernel found the ring full and froze it (kernel <c>tp_freeze_q_cnt</c>).</param>
/// <param name="RingStarvations">Times the reader found every ring block still leased by consumers, so nothing could be read until one was released.</param>
/// <param name="InterfaceDropped">The interface's own receive drop counter from sysfs at the last read, or -1 when unknown.</param>
/// <remarks>Thread safety: an immutable snapshot; safe to share.</remarks>
public readonly record struct CaptureStats(
    long PacketsReceived,
    long PacketsDropped,
    long QueueFreezes,
    long RingStarvations = 0,
    long InterfaceDropped = -1)
{
    /// <summary>Packets delivered to the ring or socket: received less dropped.</summary>
    public long PacketsCaptured => PacketsReceived - PacketsDropped;
}
