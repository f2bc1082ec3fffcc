namespace SlimCap.Reactive.Packets;

/// <summary>
/// Where each raw packet of one lease starts (its cursor), noted by a walk over the whole block, so that a view of the
/// lease that shows few of its packets jumps from one to the next instead of stepping over the others. Made, filled and
/// pooled by whoever walked the block (the Dataflow partitioner); attached to the lease with
/// <see cref="PacketBlock.TryAttachCursors"/>, held by its storage while the lease lives, and handed back through
/// <see cref="OnLeaseEnded"/> when it ends.
/// </summary>
internal abstract class RawCursorTable
{
    /// <summary>Creates a table with room for <paramref name="length"/> cursors.</summary>
    private protected RawCursorTable(int length) => Cursors = new int[length];

    /// <summary>The cursor of raw packet i, for i below <see cref="Count"/>.</summary>
    internal int[] Cursors { get; }

    /// <summary>How many leading entries of <see cref="Cursors"/> were filled (set before the table is attached).</summary>
    internal int Count { get; set; }

    /// <summary>The lease the table was attached to ended (its last holder let go). Called once, on that holder's thread.</summary>
    internal abstract void OnLeaseEnded();
}
