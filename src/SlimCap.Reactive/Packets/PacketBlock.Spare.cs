using System.Runtime.CompilerServices;

namespace SlimCap.Reactive.Packets;

// Spare: the packet calls (NextPacket, NextPacketRef, Dispatch, the buffer reads) walk one block at a time and never hand
// the block itself out, so the lease object of the block they finished can carry the next block's lease. That makes
// them allocate nothing per block either (a lease object per 1 MiB ring block was their whole allocation). It stays a
// different lease in every way a reader can see: the generation only moves forward, so a PacketRef of an earlier block
// stays dead, and the storage's epoch check still guards every read.
public sealed partial class PacketBlock
{
    /// <summary>
    /// True when this lease object may carry another lease (<see cref="Rearm"/>): it was released, never was a fan-out's
    /// movable view, and never had a selection bitmap (one a racing reader may still look at, and the pool has back).
    /// </summary>
    internal bool CanRearm => Volatile.Read(ref _released) != 0 && _move == Fixed && _selection is null && _narrowing == 0;

    /// <summary>
    /// Makes this released lease object the first holder of the lease <paramref name="epoch"/> of <paramref name="storage"/>,
    /// as a new one would be. Only for an object no one else holds (the packet calls' own cursor, after <see cref="CanRearm"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Rearm(BlockStorage storage, int epoch)
    {
        _storage = storage;
        _epoch = epoch;
        _rawCount = storage.RawCount;
        _visibleCount = _rawCount;
        _hasSelection = false;
        // The generation is not reset: the one Dispose moved it to is new to every PacketRef made so far.
        GC.ReRegisterForFinalize(this);
        if (LeaseDiagnostics.Enabled) LeaseOrigin.Record(this);
        Volatile.Write(ref _released, 0); // last: the fields above are in place before the lease reads as live
    }
}
