using System.Diagnostics.CodeAnalysis;

namespace SlimCap.Reactive.Packets;

/// <summary>
/// Free per-lease objects (a view's selection bitmap, a partitioner's cursor table), rented on the capture thread and
/// returned on whichever thread disposes the lease: one locked stack, bounded, so that a rent and a return per block
/// (never per packet) keep every object within the capture thread's reach.
/// </summary>
/// <remarks>
/// Not <c>ArrayPool.Shared</c>: it keeps a returned array in the returning thread's own slot first, out of the capture
/// thread's reach, so every new pool thread would cost the capture thread a fresh table (26 KB for a 1 MiB block of
/// 64-byte frames). Thread-safe.
/// </remarks>
internal sealed class LockedPool<T> where T : class
{
    // Enough for many leases in flight across several partitioners and operators, without keeping memory for a rare burst.
    private const int MaxPooled = 256;
    private readonly Stack<T> _free = new();

    /// <summary>A free object, if one rests in the pool.</summary>
    internal bool TryRent([NotNullWhen(true)] out T? item)
    {
        lock (_free) return _free.TryPop(out item);
    }

    /// <summary>Gives back an object nobody uses any more (dropped when the pool is full).</summary>
    internal void Return(T item)
    {
        lock (_free)
        {
            if (_free.Count < MaxPooled) _free.Push(item);
        }
    }

    /// <summary>Objects resting in the pool (for tests).</summary>
    internal int FreeCount
    {
        get { lock (_free) return _free.Count; }
    }
}
