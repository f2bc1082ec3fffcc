using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Dataflow;

/// <summary>
/// A partitioner's note of where each packet of one block starts, written by its hashing walk and attached to the
/// block's lease, so that each target's view (which shows only that target's share) jumps to its packets. Goes back to
/// its <see cref="PartitionCursorPool"/> when the lease ends, on whichever thread disposes the last view.
/// </summary>
internal sealed class PartitionCursorTable(PartitionCursorPool pool, int length) : RawCursorTable(length)
{
    internal override void OnLeaseEnded() => pool.Return(this);
}
