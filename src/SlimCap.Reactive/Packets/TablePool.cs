using System.Runtime.CompilerServices;
namespace SlimCap.Reactive.Packets;

/// <summary>
/// The process-wide pool of the views' selection bitmaps (<c>ulong[]</c>): a <see cref="LockedPool{T}"/> of arrays. One
/// table is in use per view in flight, so a handful serve a whole capture.
/// </summary>
internal static class TablePool<T>
{
    private static readonly LockedPool<T[]> s_tables = new();

    /// <summary>A table of at least <paramref name="length"/> entries (contents unspecified).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static T[] Rent(int length) =>
        // A table too small for this block (blocks of one source are alike, so this is rare) is dropped for a bigger one.
        s_tables.TryRent(out T[]? table) && table.Length >= length ? table : new T[Math.Max(length, 64)];

    /// <summary>Gives a table back once no walk writes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Return(T[] table) => s_tables.Return(table);

    /// <summary>Number of tables resting in the pool (for tests).</summary>
    internal static int PooledCount => s_tables.FreeCount;
}
