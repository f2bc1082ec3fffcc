using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Dataflow;

/// <summary>
/// A partitioner's free <see cref="PartitionCursorTable"/>s (a <see cref="LockedPool{T}"/>). One table is out per block
/// whose views are in flight, so a handful serve a whole capture and nothing is allocated per block once they exist.
/// </summary>
internal sealed class PartitionCursorPool
{
    private readonly LockedPool<PartitionCursorTable> _free = new();

    /// <summary>A table with room for at least <paramref name="length"/> cursors, none filled.</summary>
    internal PartitionCursorTable Rent(int length)
    {
        // A table too small for this block (blocks of one source are alike, so this is rare) is dropped for a bigger one.
        if (!_free.TryRent(out PartitionCursorTable? table) || table.Cursors.Length < length)
            table = new PartitionCursorTable(this, Math.Max(length, 64));
        table.Count = 0;
        return table;
    }

    /// <summary>Gives back a table no walk or view reads any more.</summary>
    internal void Return(PartitionCursorTable table) => _free.Return(table);

    /// <summary>Tables resting in the pool (for tests).</summary>
    internal int FreeCount => _free.FreeCount;
}
