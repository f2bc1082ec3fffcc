using System.Runtime.CompilerServices;

namespace SlimCap.Reactive.Packets;

// Moving: a fan-out's view that no one has opened yet may be moved off a kernel ring onto a copy, so that a target
// that has stopped taking its views does not keep ring blocks the kernel fills strictly in order (one held block
// freezes the whole ring). Only a view nobody has read can move: once opened (enumerated, Bytes, Pin, a span), its
// reader may hold memory inside the ring, which must then stay where it is until the view is disposed.
public sealed partial class PacketBlock
{
    private const byte Fixed = 0, Movable = 1, Moving = 2, Settled = 3;

    private byte _move; // Fixed for every lease but a fan-out's views; then Movable until opened or moved

    /// <summary>Lets a fan-out move this fresh, unpublished view (<see cref="TryBeginMove"/>) until someone opens it.</summary>
    internal void MarkMovable() => _move = Movable;

    /// <summary>True while the view may still move: handed out by a fan-out, and neither opened nor moved nor disposed.</summary>
    internal bool IsUnopened => Volatile.Read(ref _move) == Movable;

    /// <summary>
    /// Every way into the lease's memory or storage passes here once per block (not per packet): a movable view is
    /// settled where it is, or, when a move is under way, the move is waited for (a copy of one block, microseconds).
    /// A lease that was never movable pays one byte's read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Open()
    {
        if (_move != Fixed) OpenMovable();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OpenMovable()
    {
        if (Interlocked.CompareExchange(ref _move, Settled, Movable) != Moving) return;
        var spin = new SpinWait();
        while (Volatile.Read(ref _move) == Moving) spin.SpinOnce();
    }

    /// <summary>
    /// Starts moving this view (the fan-out's thread): false when it was opened, moved or disposed meanwhile. On true,
    /// the caller must end with <see cref="EndMove"/>; readers wait until then.
    /// </summary>
    internal bool TryBeginMove()
    {
        if (Interlocked.CompareExchange(ref _move, Moving, Movable) != Movable) return false;
        if (Volatile.Read(ref _released) == 0) return true;
        Volatile.Write(ref _move, Settled);
        return false;
    }

    /// <summary>
    /// Ends a move begun with <see cref="TryBeginMove"/>. With <paramref name="copy"/> (a fresh lease of storage holding
    /// the same bytes at the same offsets, so packet indices, cursors and selections stay true), this view takes the
    /// copy's lease over and lets go of its own (a ring block then goes back to the kernel once no other view holds
    /// it); the copy lease object itself ends without releasing anything. Without one (no room, or the lease ended
    /// while it was copied) the view stays where it is and movable. True when the view moved.
    /// </summary>
    internal bool EndMove(PacketBlock? copy)
    {
        BlockStorage old = _storage;
        int oldEpoch = _epoch;
        // A copy made while the lease was already ending (the source closed) may hold whatever the storage held then.
        if (copy is not null && copy._rawCount == _rawCount && old.IsLive(oldEpoch))
        {
            _storage = copy._storage;
            _epoch = copy._epoch;
            copy.Abandon();
            Volatile.Write(ref _move, Settled); // publishes the new storage to readers waiting in Open
            old.Release(oldEpoch);
            return true;
        }
        copy?.Dispose();
        Volatile.Write(ref _move, Movable);
        return false;
    }

    /// <summary>Ends this lease object without releasing its storage, whose lease another object took over.</summary>
    private void Abandon()
    {
        Volatile.Write(ref _released, 1);
        GC.SuppressFinalize(this);
        LeaseOrigin.Of(this)?.MarkDisposed();
    }
}
