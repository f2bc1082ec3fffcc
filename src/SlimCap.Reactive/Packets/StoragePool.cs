using System.Runtime.CompilerServices;
namespace SlimCap.Reactive.Packets;

/// <summary>
/// A fixed set of block storages of one source (socket batch buffers, file record batches). The set never grows: when
/// every storage is leased, <see cref="Rent"/> waits for one to come back, so a slow consumer bounds memory instead of
/// growing it (the wait is counted as a starvation). <see cref="RevokeAll"/> ends every lease at once when the source closes.
/// </summary>
/// <remarks>Thread-safe: rents come from the source's reader, returns from whichever thread releases a lease.</remarks>
internal class StoragePool<T> where T : BlockStorage
{
    private readonly T[] _all;
    private readonly Stack<T> _free;
    private readonly object _gate = new();
    private long _starvations;
    private bool _revoked;
    private StarvationClock _starvation;

    private protected StoragePool(int count, Func<StoragePool<T>, T> create)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _all = new T[count];
        _free = new Stack<T>(count);
        for (int i = 0; i < count; i++)
        {
            _all[i] = create(this);
            _free.Push(_all[i]);
        }
    }

    internal int BlockCount => _all.Length;

    /// <summary>Times a rent found every storage leased.</summary>
    internal long Starvations => Interlocked.Read(ref _starvations);

    /// <summary>Storages leased now (revoked leases no longer count).</summary>
    internal int LeasedCount
    {
        get
        {
            int leased = 0;
            foreach (T storage in _all) if (storage.Holders > 0) leased++;
            return leased;
        }
    }

    internal int FreeCount
    {
        get { lock (_gate) return _free.Count; }
    }

    /// <summary>Takes a free storage, or null when all are leased or the pool was revoked.</summary>
    internal T? TryRent()
    {
        lock (_gate) return _revoked || _free.Count == 0 ? null : _free.Pop();
    }

    /// <summary>
    /// Takes a free storage, waiting while all are leased. Returns null when <paramref name="shouldStop"/> says so or
    /// once the pool was revoked. The wait is parked, not polled: a storage coming back, <see cref="RevokeAll"/> and
    /// <see cref="WakeWaiters"/> (which the source calls when it is unblocked or stopped) wake it; so does the time of
    /// the next collection the starvation clock asks for.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal T? Rent(Func<bool> shouldStop)
    {
        lock (_gate)
        {
            if (_free.Count == 0 && !_revoked)
            {
                Interlocked.Increment(ref _starvations);
                while (_free.Count == 0 && !_revoked)
                {
                    if (shouldStop()) return null;
                    _starvation.Starving(); // forgotten leases go back once collected
                    Monitor.Wait(_gate, _starvation.MillisecondsUntilCollection());
                }
                _starvation.Fed();
            }
            return _revoked ? null : _free.Pop();
        }
    }

    /// <summary>Wakes a reader waiting in <see cref="Rent"/> to look at its stop condition again (the source was unblocked or stopped).</summary>
    internal void WakeWaiters()
    {
        lock (_gate) Monitor.PulseAll(_gate);
    }

    /// <summary>Gives a storage back whose lease ended (called by the storage itself).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Return(T storage)
    {
        lock (_gate)
        {
            if (_revoked) return;
            _free.Push(storage);
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>
    /// Ends every lease of the pool's storages at once and retires them (the source is closing): holders' reads throw
    /// from now on, their disposes do nothing, and rents return null. Returns how many leases were still out.
    /// </summary>
    internal int RevokeAll()
    {
        lock (_gate)
        {
            _revoked = true;
            Monitor.PulseAll(_gate);
        }
        int revoked = 0;
        foreach (T storage in _all)
        {
            if (storage.Revoke()) revoked++;
        }
        return revoked;
    }
}
