namespace SlimCap.Reactive.Dataflow;

/// <summary>
/// A partitioner's free <see cref="PartitionCursorTable"/>s. One table is out per block whose views are in flight, so a
/// handful serve a whole capture and nothing is allocated per block once they exist.
/// </summary>
/// <remarks>
/// Thread-safe: tables are rented on the producer's thread and come back on whichever thread disposes a block's last
/// view. One locked stack (a rent and a return per block, not per packet), as <c>TablePool</c>, so that every table
/// stays within the producer's reach (<c>ArrayPool.Shared</c> would keep a returned array in the returning thread's slot).
/// </remarks>
internal sealed class PartitionCursorPool
{
    // Enough for every block a source hands out to be in flight at once, without keeping memory for a rare burst.
    private const int MaxPooled = 256;
    private readonly Stack<PartitionCursorTable> _free = new();
    private readonly object _gate = new();

    /// <summary>A table with room for at least <paramref name="length"/> cursors, none filled.</summary>
    internal PartitionCursorTable Rent(int length)
    {
        PartitionCursorTable? table;
        lock (_gate) _free.TryPop(out table);
        // A table too small for this block (blocks of one source are alike, so this is rare) is dropped for a bigger one.
        if (table is null || table.Cursors.Length < length) table = new PartitionCursorTable(this, Math.Max(length, 64));
        table.Count = 0;
        return table;
    }

    /// <summary>Gives back a table no walk or view reads any more.</summary>
    internal void Return(PartitionCursorTable table)
    {
        lock (_gate)
        {
            if (_free.Count < MaxPooled) _free.Push(table);
        }
    }

    /// <summary>Tables resting in the pool (for tests).</summary>
    internal int FreeCount
    {
        get { lock (_gate) return _free.Count; }
    }
}
