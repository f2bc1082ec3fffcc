using System.Runtime.CompilerServices;
namespace SlimCap.Reactive.Packets;

/// <summary>
/// The memory behind leases: one TPACKET_V3 ring block slot, one socket batch buffer, or one batch of file records.
/// Storage objects are pooled and live as long as their source; what a consumer holds is never the storage but a
/// <see cref="PacketBlock"/>, a fresh lease object per hand-out, so a stale reference can neither read nor release
/// a later lease of the same storage.
/// </summary>
/// <remarks>
/// <para><b>Leases and epochs.</b> One 64-bit word holds the storage's epoch (high half) and how many lease objects
/// hold it (low half). The epoch changes whenever a lease ends: when the last holder releases (the storage then goes
/// back to the kernel or its pool) or when the source revokes it on close. A holder remembers the epoch it was
/// leased under; every check compares it, so a holder whose lease ended reads and releases nothing.</para>
/// <para><b>Reads racing a release.</b> A storage's memory stays addressable as long as the process may reach it
/// (ring images and kernel rings are replaced by read-only zero pages rather than unmapped, managed buffers are
/// garbage-collected), and every walk bounds-checks what it reads, so a reader that lost a race reads stale bytes,
/// never unmapped or foreign memory outside its buffer. Copies re-check the lease after copying and throw
/// <see cref="ObjectDisposedException"/> when it ended meanwhile.</para>
/// </remarks>
internal abstract class BlockStorage
{
    private long _state; // epoch << 32 | holders
    private RawCursorTable? _cursors; // where each raw packet of this lease starts, if a walk attached it

    /// <summary>The current lease's sequence number: the kernel's <c>seq_num</c> for ring blocks, a running count otherwise.</summary>
    internal long SequenceNumber { get; private set; }

    /// <summary>The fan-out group member whose ring this storage belongs to, or -1 (see <see cref="PacketBlock.FanoutMember"/>).</summary>
    internal int FanoutMember { get; set; } = -1;

    /// <summary>Packets the current lease holds.</summary>
    internal int RawCount { get; private set; }

    internal long FirstTimestampNanoseconds { get; private set; }

    internal long LastTimestampNanoseconds { get; private set; }

    /// <summary>The epoch of the current (or, when free, the next) lease.</summary>
    internal int Epoch => (int)(Volatile.Read(ref _state) >> 32);

    /// <summary>How many lease objects hold the storage now (0 when free, -1 once retired).</summary>
    internal int Holders => (int)Volatile.Read(ref _state);

    /// <summary>True while a lease of <paramref name="epoch"/> is live.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool IsLive(int epoch)
    {
        long s = Volatile.Read(ref _state);
        return (int)(s >> 32) == epoch && (int)s > 0;
    }

    /// <summary>
    /// Starts a lease of this (free) storage with what it holds and returns its first holder, which the caller hands
    /// out; null once the source revoked the storage for good (it is closing). Producer thread only. With
    /// <paramref name="spare"/> (a released lease object only the caller holds) that object becomes the holder instead
    /// of a new one, when it can (<see cref="PacketBlock.CanRearm"/>: this is the one place that decides).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected PacketBlock? Lease(long sequenceNumber, int packetCount, long firstTimestampNs, long lastTimestampNs, PacketBlock? spare = null)
    {
        SequenceNumber = sequenceNumber;
        RawCount = packetCount;
        FirstTimestampNanoseconds = firstTimestampNs;
        LastTimestampNanoseconds = lastTimestampNs;
        while (true)
        {
            long s = Volatile.Read(ref _state);
            int holders = (int)s;
            if (holders < 0) return null;
            if (holders != 0) throw new InvalidOperationException("A block storage was leased while still held.");
            int epoch = (int)(s >> 32);
            if (Interlocked.CompareExchange(ref _state, (long)epoch << 32 | 1, s) != s) continue;
            if (spare is null || !spare.CanRearm) return new PacketBlock(this, epoch);
            spare.Rearm(this, epoch);
            return spare;
        }
    }

    /// <summary>Adds a holder to the lease <paramref name="epoch"/>; false when that lease has ended.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool TryAddHolder(int epoch)
    {
        while (true)
        {
            long s = Volatile.Read(ref _state);
            if ((int)(s >> 32) != epoch || (int)s <= 0) return false;
            if (Interlocked.CompareExchange(ref _state, s + 1, s) == s) return true;
        }
    }

    /// <summary>
    /// Drops one holder of the lease <paramref name="epoch"/>; the last one ends the lease and gives the storage back.
    /// Does nothing when that lease already ended (revoked by the source).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Release(int epoch)
    {
        while (true)
        {
            long s = Volatile.Read(ref _state);
            int holders = (int)s;
            if ((int)(s >> 32) != epoch || holders <= 0) return;
            long next = holders == 1 ? (long)(epoch + 1) << 32 : s - 1;
            if (Interlocked.CompareExchange(ref _state, next, s) != s) continue;
            if (holders == 1) EndLease();
            return;
        }
    }

    /// <summary>
    /// Ends the current lease at once, whoever holds it, and retires the storage for good (the source is closing): its
    /// holders' reads throw from now on, their releases do nothing, and no later lease starts. True when a lease was
    /// live. The storage is not given back for reuse.
    /// </summary>
    internal bool Revoke()
    {
        while (true)
        {
            long s = Volatile.Read(ref _state);
            int holders = (int)s;
            if (holders < 0) return false;
            long retired = (long)((int)(s >> 32) + 1) << 32 | 0xFFFF_FFFFL; // holders -1: retired
            if (Interlocked.CompareExchange(ref _state, retired, s) == s) return holders > 0;
        }
    }

    /// <summary>True once <see cref="Revoke"/> retired the storage.</summary>
    internal bool IsRetired => (int)Volatile.Read(ref _state) < 0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EndLease()
    {
        RawCursorTable? cursors = _cursors;
        _cursors = null;
        cursors?.OnLeaseEnded();
        OnReleased();
    }

    /// <summary>
    /// Attaches <paramref name="cursors"/>, filled by a walk over this lease's raw packets, for the rest of the lease;
    /// false when a table is attached already (another walk got there first: the caller keeps its own). The caller
    /// holds the lease, so it cannot end meanwhile; <see cref="RawCursorTable.Count"/> is set before the table is seen.
    /// </summary>
    internal bool TryAttachCursors(RawCursorTable cursors) => Interlocked.CompareExchange(ref _cursors, cursors, null) is null;

    /// <summary>The cursor table attached to the current lease, or null.</summary>
    internal RawCursorTable? Cursors
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _cursors);
    }

    /// <summary>Reads the raw packet at <paramref name="cursor"/> as a packet of <paramref name="owner"/> (generation <paramref name="generation"/>) and advances. False at the end.</summary>
    internal abstract bool ReadNext(PacketBlock owner, int generation, ref int cursor, out PacketRef packet);

    /// <summary>Steps over the raw packet at <paramref name="cursor"/>; must stop exactly where <see cref="ReadNext"/> stops.</summary>
    internal abstract bool SkipNext(ref int cursor);

    /// <summary>Reads only what the zero-copy callback passes.</summary>
    internal abstract bool ReadNextPayload(ref int cursor, out ReadOnlySpan<byte> data, out long totalLength, out PacketType type, out int ipLayerOffset);

    /// <summary>Reads only the packet's type (the operators' walk).</summary>
    internal abstract bool ReadNextType(ref int cursor, out PacketType type);

    /// <summary>
    /// Calls <paramref name="visitor"/> for each raw packet in order, at most <paramref name="limit"/>; returns how many.
    /// One call per block, so that a storage with a tight walk (the ring's) runs the visitor inlined in its own loop.
    /// </summary>
    internal virtual int VisitRaw<TVisitor>(ref TVisitor visitor, int limit) where TVisitor : struct, IRawPacketVisitor
    {
        int cursor = 0, index = 0;
        while (index < limit)
        {
            int at = cursor;
            if (!ReadNextPayload(ref cursor, out ReadOnlySpan<byte> data, out _, out _, out int ipLayerOffset)) break;
            visitor.Visit(index++, at, data, ipLayerOffset);
        }
        return index;
    }

    /// <summary>
    /// Passes the payloads from <paramref name="cursor"/> on to <paramref name="callback"/>, at most
    /// <paramref name="limit"/>, checking after each header's read (before the callback sees it) that
    /// <paramref name="owner"/>'s lease <paramref name="generation"/> is still current; advances <paramref name="cursor"/> and returns how many it passed (fewer than
    /// <paramref name="limit"/>: the walk reached the end). Stops exactly where <see cref="ReadNextPayload"/> stops.
    /// Generic over the state rather than over a visitor struct: a struct visitor of a reference-type state would run
    /// as shared generic code behind an instantiating stub, which the JIT does not inline.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The lease ended during the walk.</exception>
    internal virtual int VisitPayloads<TState>(PacketBlock owner, int generation, TState state, PacketCallback<TState> callback, ref int cursor, int limit)
    {
        int count = 0;
        while (count < limit)
        {
            bool read = ReadNextPayload(ref cursor, out ReadOnlySpan<byte> data, out long totalLength, out PacketType type, out int ipLayerOffset);
            owner.ThrowIfStale(generation); // after the read: what the callback gets was read while the lease was current
            if (!read) break;
            count++;
            callback(state, data, totalLength, type, ipLayerOffset);
        }
        return count;
    }

    /// <summary>
    /// The bytes a packet's data offset and length name. Never throws and never reads outside the storage's memory,
    /// even for a caller that lost a race with the lease's end: out-of-range requests give an empty span.
    /// </summary>
    internal abstract ReadOnlySpan<byte> GetSpan(int offset, int length);

    /// <summary>The storage's bytes as stored, read-only (empty where records are not contiguous).</summary>
    internal abstract ReadOnlyMemory<byte> GetBytes();

    /// <summary>Gives the storage back (to the kernel or its pool). Called once per lease, by the last holder.</summary>
    private protected abstract void OnReleased();

    /// <summary>The end of a walk: no packet. Returns false.</summary>
    internal static bool NoPayload(out ReadOnlySpan<byte> data, out long totalLength, out PacketType type, out int ipLayerOffset)
    {
        data = default;
        totalLength = 0;
        type = PacketType.Unknown;
        ipLayerOffset = LinkTypeInfo.UnknownOffset;
        return false;
    }
}
