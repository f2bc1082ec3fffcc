namespace SlimCap.Reactive.Dataflow;

/// <summary>
/// What a fan-out did for one target since it was created. Delivered counts what entered the target's bounded
/// buffer; dropped counts what the fan-out disposed instead (buffer full under <see cref="BackPressurePolicy.Drop"/>,
/// or the target had completed or faulted, or the fan-out was stopped while waiting).
/// </summary>
/// <remarks>Thread safety: an immutable snapshot, taken by <see cref="PacketFanOut.GetCounters"/> from any thread.</remarks>
/// <param name="BlocksDelivered">Blocks (or partition views) handed to the target.</param>
/// <param name="PacketsDelivered">Packets in the delivered blocks.</param>
/// <param name="BlocksDropped">Blocks (or partition views) disposed instead of delivered.</param>
/// <param name="PacketsDropped">Packets in the dropped blocks.</param>
public readonly record struct FanOutTargetCounters(long BlocksDelivered, long PacketsDelivered, long BlocksDropped, long PacketsDropped);
