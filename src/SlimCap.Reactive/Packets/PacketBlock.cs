using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace SlimCap.Reactive.Packets;

/// <summary>
/// A batch of captured packets handed out as a lease: one retired TPACKET_V3 ring block, or a
/// batch of packets from a socket or a capture file.
/// </summary>
/// <remarks>
/// <para><b>Ownership.</b> Whoever receives a block owns it and must dispose it exactly once
/// (the <see cref="IMemoryOwner{T}"/> convention). For a ring block, disposing is what returns the
/// block to the kernel: never earlier. Until then the kernel cannot reuse the block, so holding blocks
/// for long makes the kernel drop packets (counted in the source's stats). Blocks may be released in
/// any order and from any thread.</para>
/// <para><b>Every hand-out is its own object.</b> A reference kept after disposing stays dead: it reads
/// nothing (<see cref="ObjectDisposedException"/>) and disposing it again does nothing, whatever the
/// source has handed out since. Closing the source ends every lease it handed out (their reads throw),
/// and so does a lease object that was dropped without being disposed, once the garbage collector finds
/// it (the block then goes back to the kernel, and <see cref="LeaseDiagnostics"/> can report who leased it).</para>
/// <para><b>Views.</b> Filtering operators narrow which packets a block shows without copying
/// (<see cref="PacketCount"/> and enumeration respect that); the lease is still one block.</para>
/// <para><b>Thread safety.</b> Reading (enumerating, <see cref="PacketRef.Data"/>) may happen on any
/// number of threads while the lease lives; a read racing the lease's end returns correct bytes or throws
/// <see cref="ObjectDisposedException"/>, and never touches unmapped memory. Dispose is thread-safe.</para>
/// </remarks>
public sealed partial class PacketBlock : IMemoryOwner<byte>
{
    private BlockStorage _storage; // changes only while a fan-out moves an unopened view off a ring (PacketBlock.Moving.cs)
    private int _epoch;
    private int _rawCount; // set again only when the packet calls re-arm their own lease object (PacketBlock.Spare.cs)
    private int _generation; // moves when the lease ends, and per packet under a stream's scoped walk
    private int _released;

    internal PacketBlock(BlockStorage storage, int epoch)
    {
        _storage = storage;
        _epoch = epoch;
        _rawCount = storage.RawCount;
        _visibleCount = _rawCount;
        // 56 bytes in all: one of these per block is the whole allocation of a capture (0.0085 B/packet for a 1 MiB
        // block of 64-byte frames), so what only diagnostics need lives beside it, not in it.
        if (LeaseDiagnostics.Enabled) LeaseOrigin.Record(this);
    }

    /// <summary>
    /// A lease object dropped without <see cref="Dispose"/>: nothing can use it any more, so its block goes back
    /// (a ring block to the kernel, which otherwise starves), and the diagnostics hear of it.
    /// </summary>
    ~PacketBlock()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        LeaseDiagnostics.OnReclaimed(LeaseOrigin.Of(this));
        _storage.Release(_epoch);
    }

    /// <summary>How many packets the block shows: all it holds, or fewer through a filtering view.</summary>
    public int PacketCount => _visibleCount;

    /// <summary>How many packets the block holds, ignoring views.</summary>
    public int RawPacketCount => _rawCount;

    /// <summary>The block's sequence number: the kernel's <c>seq_num</c> for ring blocks, a running count for other sources.</summary>
    /// <exception cref="ObjectDisposedException">The lease ended.</exception>
    public long SequenceNumber => Checked(_storage.SequenceNumber);

    /// <summary>Timestamp of the first packet held, in nanoseconds since the Unix epoch.</summary>
    /// <exception cref="ObjectDisposedException">The lease ended.</exception>
    public long FirstTimestampNanoseconds => Checked(_storage.FirstTimestampNanoseconds);

    /// <summary>Timestamp of the last packet held, in nanoseconds since the Unix epoch.</summary>
    /// <exception cref="ObjectDisposedException">The lease ended.</exception>
    public long LastTimestampNanoseconds => Checked(_storage.LastTimestampNanoseconds);

    /// <summary><paramref name="value"/>, read from the storage, if the lease was still live after reading it (else it may be a later lease's).</summary>
    private long Checked(long value)
    {
        Interlocked.MemoryBarrier();
        if (!IsLeased) ThrowDisposed();
        return value;
    }

    /// <summary>True while the lease lives: not disposed, and not ended by the source closing.</summary>
    public bool IsLeased
    {
        get
        {
            Open();
            return IsLeasedNow;
        }
    }

    /// <summary><see cref="IsLeased"/> of a lease already opened (its storage can no longer move).</summary>
    private bool IsLeasedNow => Volatile.Read(ref _released) == 0 && _storage.IsLive(_epoch);

    /// <summary>
    /// The block's bytes as stored, read-only (for a ring block: packet headers and data as the kernel
    /// laid them out in the shared ring). Meant for bulk hand-off; enumerate to read packets. Empty for
    /// blocks whose records are not contiguous (capture files). Throws <see cref="ObjectDisposedException"/> once
    /// the lease ended. Memory taken from it (or pinned) and used after the lease ended reads whatever the storage
    /// holds by then (never unmapped memory): the library cannot check it, so do not keep it.
    /// </summary>
    public ReadOnlyMemory<byte> Bytes
    {
        get
        {
            if (!IsLeased) ThrowDisposed();
            return _storage.GetBytes();
        }
    }

    /// <summary>
    /// <see cref="IMemoryOwner{T}.Memory"/> is not supported: a block's memory is the kernel's ring or the library's
    /// pooled buffer, shared with whoever leases it next, so it is never handed out writable. Use <see cref="Bytes"/>
    /// (read-only) or enumerate the packets; the lease itself (<see cref="Dispose"/>) works as for any memory owner.
    /// </summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    Memory<byte> IMemoryOwner<byte>.Memory =>
        throw new NotSupportedException("A packet block's memory is shared with the kernel or with later leases and is never exposed writable; use PacketBlock.Bytes (read-only) or enumerate its packets.");

    /// <summary>Enumerates the packets the block shows, without allocating.</summary>
    /// <exception cref="ObjectDisposedException">The lease ended.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public Enumerator GetEnumerator()
    {
        int generation = CurrentGeneration;
        return new Enumerator(this, generation);
    }

    /// <summary>
    /// Releases the lease: a ring block goes back to the kernel (once no view of it is left), other blocks to
    /// their pool. Calling it again, or on a lease the source already ended, does nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Dispose()
    {
        Open(); // a fan-out moving this view finishes first; after this it cannot start
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            LeaseDiagnostics.OnDisposedAgain(LeaseOrigin.Of(this));
            return;
        }
        GC.SuppressFinalize(this);
        LeaseOrigin.Of(this)?.MarkDisposed();
        Interlocked.Increment(ref _generation); // from here on, PacketRefs of this lease throw
        ReturnSelection();
        _storage.Release(_epoch);
    }

    /// <summary>
    /// A new lease object on the same block, showing what this one shows now: the block goes back only when both
    /// (and every other view) are disposed. How a fan-out gives each target a view of its own.
    /// </summary>
    /// <exception cref="ObjectDisposedException">This lease ended.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal PacketBlock CreateView()
    {
        Open();
        if (Volatile.Read(ref _released) != 0 || !_storage.TryAddHolder(_epoch)) ThrowDisposed();
        var view = new PacketBlock(_storage, _epoch); // the same storage: the same FanoutMember
        view.CopyViewFrom(this);
        return view;
    }

    /// <summary>The storage behind the lease (a fan-out checks whether it is a ring's, to move a waiting view off it).</summary>
    internal BlockStorage Storage => _storage;

    /// <summary>The generation PacketRefs made now carry; throws once the lease ended.</summary>
    internal int CurrentGeneration
    {
        get
        {
            int generation = Volatile.Read(ref _generation);
            if (!IsLeased) ThrowDisposed();
            return generation;
        }
    }

    /// <summary>Copies every packet the block shows into a <see cref="PacketSnapshot"/> (allocates; the block stays the caller's to dispose).</summary>
    /// <exception cref="ObjectDisposedException">The block is not leased.</exception>
    public PacketSnapshot[] Snapshot()
    {
        var snapshots = new PacketSnapshot[PacketCount];
        int i = 0;
        foreach (PacketRef p in this) snapshots[i++] = p.Snapshot();
        return i == snapshots.Length ? snapshots : snapshots[..i];
    }

    /// <summary>What LINQPad's <c>Dump()</c> shows: the packets as snapshots while leased, else a note that the block was released.</summary>
    public object ToDump() => IsLeased ? Snapshot() : $"PacketBlock of {RawPacketCount} packets, released (dispose after Dump, or Snapshot() first)";

    /// <summary>The captured bytes of every packet the block holds (a header walk; for the meter, so once per block at most).</summary>
    internal long SumCapturedBytes()
    {
        var sum = new CapturedBytesVisitor();
        VisitRaw(ref sum, int.MaxValue);
        return sum.Total;
    }

    private struct CapturedBytesVisitor : IRawPacketVisitor
    {
        public long Total;

        public void Visit(int index, int cursor, ReadOnlySpan<byte> data, int ipLayerOffset) => Total += data.Length;
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> unless PacketRefs of <paramref name="generation"/> are still readable.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void ThrowIfStale(int generation)
    {
        if (IsStale(generation)) ThrowStale();
    }

    /// <summary>Whether PacketRefs of <paramref name="generation"/> are no longer readable.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool IsStale(int generation) => Volatile.Read(ref _generation) != generation || _storage.Epoch != _epoch;

    /// <summary>
    /// As <see cref="ThrowIfStale"/>, after a copy out of the block: the fence orders the copy's reads before the
    /// check, so a copy that passes was made before the lease ended (the block goes back only after the check's fields move).
    /// </summary>
    internal void ThrowIfStaleAfterCopy(int generation)
    {
        Interlocked.MemoryBarrier();
        ThrowIfStale(generation);
    }

    // A PacketRef's generation was taken from an opened lease, so no open is needed (nothing per packet).
    internal bool IsCurrent(int generation) => Volatile.Read(ref _generation) == generation && IsLeasedNow;

    /// <summary>The bytes of a packet of this lease; callers checked the generation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ReadOnlySpan<byte> GetSpan(int offset, int length) => _storage.GetSpan(offset, length);

    /// <summary>
    /// Reads the next packet the view shows, from the walk position (<paramref name="cursor"/>, <paramref name="index"/>)
    /// of the lease <paramref name="generation"/>; false at the end. The walk shared by the enumerator and by the
    /// sources' packet calls.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryReadVisible(int generation, ref int cursor, ref int index, out PacketRef packet)
    {
        ThrowIfStale(generation);
        if (_hasSelection) return TryReadSelected(generation, ref cursor, ref index, out packet);
        if (!_storage.ReadNext(this, generation, ref cursor, out packet)) return false;
        index++;
        return true;
    }

    /// <summary>
    /// As <see cref="TryReadVisible"/> for a stream that hands out one packet at a time (a source's packet calls,
    /// <c>ReadAllAsync</c>, <c>Packets()</c>): each packet read ends the previous one's validity, so a
    /// <see cref="PacketRef"/> used after the next iteration throws every time rather than only after its block went
    /// back. <paramref name="generation"/> is the walk's own and moves with each packet. The stream must own this lease
    /// alone (it never hands the block out).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryReadNextScoped(ref int generation, ref int cursor, ref int index, out PacketRef packet)
    {
        ThrowIfStale(generation);
        return ReadNextScoped(ref generation, ref cursor, ref index, out packet);
    }

    /// <summary>
    /// As <see cref="TryReadNextScoped"/> for a stream whose lease no caller can end (the async enumerator): it goes
    /// stale only when its source closes, which ends the stream rather than being the caller's error, so this returns
    /// false then too; <see cref="IsStale"/> tells a close from the block's end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryReadNextOwned(ref int generation, ref int cursor, ref int index, out PacketRef packet)
    {
        if (!IsStale(generation)) return ReadNextScoped(ref generation, ref cursor, ref index, out packet);
        packet = default;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ReadNextScoped(ref int generation, ref int cursor, ref int index, out PacketRef packet)
    {
        generation = unchecked(generation + 1);
        Volatile.Write(ref _generation, generation);
        if (_hasSelection) return TryReadSelected(generation, ref cursor, ref index, out packet);
        if (!_storage.ReadNext(this, generation, ref cursor, out packet)) return false;
        index++;
        return true;
    }

    /// <summary>
    /// As <see cref="TryReadVisible"/>, but yields only what slimcap's callback passes (bytes, wire length, type,
    /// IP-layer offset). Without a view this skips building a <see cref="PacketRef"/> (the callback's hot path).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryReadVisiblePayload(int generation, ref int cursor, ref int index, out ReadOnlySpan<byte> data,
        out long totalLength, out PacketType type, out int ipLayerOffset)
    {
        if (!_hasSelection)
        {
            index++;
            bool read = _storage.ReadNextPayload(ref cursor, out data, out totalLength, out type, out ipLayerOffset);
            // After the header's reads, so a callback never gets a length that a release (the kernel refilling the
            // block, the zero pages of a closed ring) changed under the read.
            ThrowIfStale(generation);
            return read;
        }
        return TryReadSelectedPayload(generation, ref cursor, ref index, out data, out totalLength, out type, out ipLayerOffset);
    }

    // Out of line: its PacketRef local would otherwise be zeroed in every caller's frame on every packet.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryReadSelectedPayload(int generation, ref int cursor, ref int index, out ReadOnlySpan<byte> data,
        out long totalLength, out PacketType type, out int ipLayerOffset)
    {
        bool found = TryReadVisible(generation, ref cursor, ref index, out PacketRef packet);
        if (!found) return BlockStorage.NoPayload(out data, out totalLength, out type, out ipLayerOffset);
        data = _storage.GetSpan(packet.DataOffset, packet.CapturedLength);
        totalLength = packet.TotalLength;
        type = packet.Type;
        ipLayerOffset = packet.IpLayerOffset;
        return true;
    }

    /// <summary>
    /// As <see cref="TryReadVisiblePayload"/> for every packet the view shows from the walk position on, at most
    /// <paramref name="limit"/>, each passed to <paramref name="callback"/>: one call per block, so that the ring's walk
    /// runs as one loop around the callback. Returns how many were passed; fewer than <paramref name="limit"/> means the
    /// block is exhausted.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The lease ended (before or during the walk).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int VisitVisiblePayloads<TState>(int generation, ref int cursor, ref int index, TState state, PacketCallback<TState> callback, int limit)
    {
        int count;
        if (!_hasSelection)
        {
            count = _storage.VisitPayloads(this, generation, state, callback, ref cursor, limit);
            index += count;
            return count;
        }
        for (count = 0; count < limit; count++)
        {
            if (!TryReadSelectedPayload(generation, ref cursor, ref index, out ReadOnlySpan<byte> data, out long totalLength,
                    out PacketType type, out int ipLayerOffset)) break;
            callback(state, data, totalLength, type, ipLayerOffset);
        }
        return count;
    }

    /// <summary>
    /// Calls <paramref name="visitor"/> for each raw packet in order (ignoring views: for a block that shows all it
    /// holds), at most <paramref name="limit"/>, with its raw index, its cursor and its bytes; returns how many.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The lease ended (before or during the walk).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int VisitRaw<TVisitor>(ref TVisitor visitor, int limit) where TVisitor : struct, IRawPacketVisitor
    {
        int generation = CurrentGeneration;
        int visited = _storage.VisitRaw(ref visitor, limit);
        ThrowIfStale(generation);
        return visited;
    }

    [DoesNotReturn]
    private static void ThrowStale() =>
        throw new ObjectDisposedException(nameof(PacketBlock), "The packet is no longer readable: its block was released (disposed, or its source closed), or the stream that produced it has moved on to the next packet. Use PacketRef.Detach() to keep a packet.");

    [DoesNotReturn]
    internal static void ThrowDisposed() =>
        throw new ObjectDisposedException(nameof(PacketBlock), "The block was released (disposed, or its source closed).");

    /// <summary>Allocation-free enumerator over the packets a block shows.</summary>
    public struct Enumerator
    {
        private readonly PacketBlock _block;
        private readonly int _generation;
        private int _cursor;
        private int _index;
        private PacketRef _current;

        internal Enumerator(PacketBlock block, int generation)
        {
            _block = block;
            _generation = generation;
            _cursor = 0;
            _index = 0;
            _current = default;
        }

        /// <summary>The current packet.</summary>
        public readonly PacketRef Current
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
            get => _current;
        }

        /// <summary>Moves to the next visible packet. Throws <see cref="ObjectDisposedException"/> if the block was released.</summary>
        // Optimized at once as well as inlined, for the consumer's tier-0 phase: see PacketRef.Data.
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public bool MoveNext() => _block.TryReadVisible(_generation, ref _cursor, ref _index, out _current);
    }
}
