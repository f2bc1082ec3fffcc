using System.Runtime.CompilerServices;
namespace SlimCap.Reactive.Packets;

/// <summary>
/// The process-wide pool of the small per-lease tables a walk needs: the views' selection bitmaps (<c>ulong[]</c>). One
/// table is in use per view in flight, so a handful serve a whole capture.
/// </summary>
/// <remarks>
/// Not <c>ArrayPool.Shared</c>: tables are rented on the capture thread and returned on whichever thread disposes the
/// lease, and the shared pool keeps a returned array in that thread's own slot first, out of the capture thread's
/// reach; every new pool thread would then cost the capture thread a fresh table (26 KB for a 1 MiB block of 64-byte
/// frames). One locked stack (a rent and a return per block, not per packet) keeps every table reachable. Thread-safe.
/// </remarks>
internal static class TablePool<T>
{
    // Enough for many views in flight across several partitioners and operators, without keeping memory for a rare burst.
    private const int MaxPooled = 256;
    private static readonly Stack<T[]> s_tables = new();
    private static readonly object s_gate = new();

    /// <summary>A table of at least <paramref name="length"/> entries (contents unspecified).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static T[] Rent(int length)
    {
        T[]? table;
        lock (s_gate) s_tables.TryPop(out table);
        // A table too small for this block (blocks of one source are alike, so this is rare) is dropped for a bigger one.
        return table is not null && table.Length >= length ? table : new T[Math.Max(length, 64)];
    }

    /// <summary>Gives a table back once no walk writes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Return(T[] table)
    {
        lock (s_gate)
        {
            if (s_tables.Count < MaxPooled) s_tables.Push(table);
        }
    }

    /// <summary>Number of tables resting in the pool (for tests).</summary>
    internal static int PooledCount
    {
        get { lock (s_gate) return s_tables.Count; }
    }
}
