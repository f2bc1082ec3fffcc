using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Dataflow;

/// <summary>Options of a <see cref="PacketFanOut"/>. Validated when the fan-out is created.</summary>
/// <remarks>Thread safety: immutable (init-only); safe to share between fan-outs.</remarks>
public sealed class FanOutOptions
{
    /// <summary>
    /// How many blocks may wait for each target. Defaults to 4; 1 to <see cref="MaxBoundedCapacity"/>.
    /// <para>Under <see cref="BackPressurePolicy.Wait"/>: the fan-out's own bounded buffer in front of the target's own
    /// input buffer (give targets a <c>BoundedCapacity</c> too for end-to-end back-pressure). Every waiting block is a
    /// ring block the kernel cannot fill, so keep this small; a trace warning says when the targets' buffers together
    /// can hold every block of the source <see cref="PacketFanOut.RunAsync"/> reads.</para>
    /// <para>Under <see cref="BackPressurePolicy.Drop"/>: how many views each target may have waiting, wherever they wait
    /// (this buffer, or the target's own input queue, unbounded for a Dataflow block with default options): handed to
    /// it and not opened yet (enumerated, <see cref="PacketBlock.Bytes"/> read, or disposed), plus those moved onto a
    /// copy and not disposed yet. A view beyond that is dropped and counted in the target's
    /// <see cref="FanOutTargetCounters"/>. On a ring (which the kernel fills strictly in order, so one block held stops
    /// it for every target), a view still waiting when the kernel is about to come round to its block is moved onto a
    /// copy in memory of the target's own (at most this many blocks of the ring's block size), and the ring block goes
    /// back: a target that stops taking views pins no ring block and loses only its own packets. A view the target has
    /// opened stays where it is until disposed (what it read may still point into the ring), so a target stalled in
    /// the middle of a block keeps that one block. On a source whose blocks come back in any order (a socket's batches,
    /// a capture file's pool), <see cref="PacketFanOut.RunAsync"/> lowers each target's share to what leaves the others
    /// blocks to work with, with a trace warning (<see cref="PacketFanOut.TargetHoldLimit"/> tells the share in force).</para>
    /// </summary>
    public int BoundedCapacity { get; init; } = 4;

    /// <summary>Largest <see cref="BoundedCapacity"/>: 1024 blocks per target.</summary>
    public const int MaxBoundedCapacity = 1024;

    /// <summary>What to do when a target's buffer is full. Defaults to <see cref="BackPressurePolicy.Wait"/>.</summary>
    public BackPressurePolicy BackPressure { get; init; } = BackPressurePolicy.Wait;

    internal void Validate()
    {
        InvalidCaptureOptionException.ThrowIfOutOfRange(BoundedCapacity, 1, MaxBoundedCapacity, nameof(BoundedCapacity));
        if (BackPressure is not (BackPressurePolicy.Wait or BackPressurePolicy.Drop))
            throw new ArgumentOutOfRangeException(nameof(BackPressure), BackPressure, "Unknown back-pressure policy.");
    }
}
