using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Dataflow;

/// <summary>Options of a <see cref="PacketFanOut"/>. Validated when the fan-out is created.</summary>
/// <remarks>Thread safety: immutable (init-only); safe to share between fan-outs.</remarks>
public sealed class FanOutOptions
{
    /// <summary>
    /// How many blocks may wait for each target in the fan-out's own bounded buffer, in front of the target's own
    /// input buffer (give targets a <c>BoundedCapacity</c> too for end-to-end back-pressure). Defaults to 4.
    /// Every waiting block is a ring block the kernel cannot fill, so keep this small: 1 to <see cref="MaxBoundedCapacity"/>.
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
