using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace SlimCap.Reactive;

/// <summary>
/// A batch of captured packets handed out as a lease: one retired TPACKET_V3 ring block, or a
/// batch of packets from a socket or a capture file.
/// </summary>
/// <remarks>
/// <para><b>Ownership.</b> Whoever receives a block owns it and must dispose it exactly once
/// (the <see cref="IMemoryOwner{T}"/> convention). For a ring block, disposing is what returns the
/// block to the kernel: never earlier, and the library never does it behind the owner's back.
/// Until then the kernel cannot reuse the block, so holding blocks for long makes the kernel drop
/// packets (counted in the source's stats). Blocks may be released in any order and from any thread.</para>
/// <para><b>Pooling.</b> Block objects are reused. Disposing twice is a no-op, but a reference kept
/// after disposing may later point at a new lease of the same object: drop it once disposed.</para>
/// <para><b>Views.</b> Filtering operators narrow which packets a block shows without copying
/// (<see cref="PacketCount"/> and enumeration respect that); the lease is still one block.</para>
/// <para><b>Thread safety.</b> Reading (enumerating, <see cref="PacketRef.Data"/>) may happen on any
/// number of threads while the lease lives. Dispose is thread-safe.</para>
/// </remarks>
public abstract partial class PacketBlock : IMemoryOwner<byte>
{
    private int _generation;
    private int _references;
    private int _rawCount;
    private int _visibleCount;
    private bool _hasSelection;
    private ulong[]? _selection;
    private int[]? _rawCursors; // where each raw packet starts, rented for one lease by a partitioner (RentRawCursors)
    private int _rawCursorCount;

    /// <summary>Creates an unleased block; sources lease it with <see cref="Activate"/>.</summary>
    private protected PacketBlock() { }

    /// <summary>
    /// Sizes the view bitmap for up to <paramref name="maxPackets"/> packets now, so the first filter
    /// over a fresh block allocates nothing (rings know their largest block up front).
    /// </summary>
    private protected void ReserveSelection(int maxPackets) => SelectionFor((maxPackets + 63) >> 6);

    /// <summary>How many packets the block shows: all it holds, or fewer through a filtering view.</summary>
    public int PacketCount => _visibleCount;

    /// <summary>How many packets the block holds, ignoring views.</summary>
    public int RawPacketCount => _rawCount;

    /// <summary>The block's sequence number: the kernel's <c>seq_num</c> for ring blocks, a running count for other sources.</summary>
    public long SequenceNumber { get; private set; }

    /// <summary>Timestamp of the first packet held, in nanoseconds since the Unix epoch.</summary>
    public long FirstTimestampNanoseconds { get; private set; }

    /// <summary>Timestamp of the last packet held, in nanoseconds since the Unix epoch.</summary>
    public long LastTimestampNanoseconds { get; private set; }

    /// <summary>True while the block is leased (not yet disposed).</summary>
    public bool IsLeased => Volatile.Read(ref _references) > 0;

    /// <summary>
    /// The block's bytes as stored, read-only (for a ring block: packet headers and data as the kernel
    /// laid them out in the shared ring). Meant for bulk hand-off; enumerate to read packets. Empty for
    /// blocks whose records are not contiguous (capture files). Throws <see cref="ObjectDisposedException"/> once disposed.
    /// </summary>
    public ReadOnlyMemory<byte> Bytes
    {
        get
        {
            if (!IsLeased) ThrowDisposed();
            return GetMemory();
        }
    }

    /// <summary>
    /// <see cref="IMemoryOwner{T}.Memory"/>: the block's own bytes where they are private to the block
    /// (socket batches, test blocks). A ring block's memory is shared with the kernel and is never handed
    /// out writable, so for ring blocks this throws <see cref="NotSupportedException"/>: use
    /// <see cref="Bytes"/> or enumerate the packets. The lease itself (Dispose) works for every block.
    /// </summary>
    Memory<byte> IMemoryOwner<byte>.Memory
    {
        get
        {
            if (!IsLeased) ThrowDisposed();
            if (!HasPrivateMemory)
                throw new NotSupportedException("A ring block's memory is shared with the kernel and is not exposed writable; use PacketBlock.Bytes (read-only) or enumerate its packets.");
            return GetMemory();
        }
    }

    /// <summary>True when the block's storage is its own (not the kernel's ring), so it may be exposed writable.</summary>
    private protected virtual bool HasPrivateMemory => true;

    /// <summary>Enumerates the packets the block shows, without allocating.</summary>
    public Enumerator GetEnumerator()
    {
        int generation = Volatile.Read(ref _generation);
        if (!IsLeased) ThrowDisposed();
        return new Enumerator(this, generation);
    }

    /// <summary>
    /// Releases the lease: a ring block goes back to the kernel, other blocks to their pool.
    /// Calling it again on the same lease does nothing.
    /// </summary>
    public void Dispose()
    {
        while (true)
        {
            int refs = Volatile.Read(ref _references);
            if (refs <= 0) return;
            if (Interlocked.CompareExchange(ref _references, refs - 1, refs) != refs) continue;
            if (refs == 1) Release();
            return;
        }
    }

    /// <summary>Adds <paramref name="count"/> owners to a leased block; each must dispose it once.</summary>
    internal void AddReferences(int count)
    {
        if (count <= 0) return;
        while (true)
        {
            int refs = Volatile.Read(ref _references);
            if (refs <= 0) ThrowDisposed();
            if (Interlocked.CompareExchange(ref _references, refs + count, refs) == refs) return;
        }
    }

    private void Release()
    {
        // Bump first: from here on, PacketRefs made under the old lease throw.
        Interlocked.Increment(ref _generation);
        _hasSelection = false;
        // No view is left (each held a reference), so nothing reads the cursor table any more.
        int[]? cursors = _rawCursors;
        _rawCursors = null;
        _rawCursorCount = 0;
        if (cursors is not null) CursorTablePool.Return(cursors);
        _rawCount = 0;
        _visibleCount = 0;
        OnReleased();
    }

    /// <summary>Leases the block: called by its source right before handing it out.</summary>
    private protected void Activate(long sequenceNumber, int packetCount, long firstTimestampNs, long lastTimestampNs)
    {
        SequenceNumber = sequenceNumber;
        FirstTimestampNanoseconds = firstTimestampNs;
        LastTimestampNanoseconds = lastTimestampNs;
        _rawCount = packetCount;
        _visibleCount = packetCount;
        _hasSelection = false;
        Volatile.Write(ref _references, 1);
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
    public object ToDump() => IsLeased ? Snapshot() : $"PacketBlock {SequenceNumber}, released (dispose after Dump, or Snapshot() first)";

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

    /// <summary>The generation PacketRefs of the current lease carry.</summary>
    private protected int Generation => Volatile.Read(ref _generation);

    /// <summary>Reads the raw packet at <paramref name="cursor"/> and advances it. False at the end of the block.</summary>
    private protected abstract bool ReadNext(ref int cursor, out PacketRef packet);

    /// <summary>
    /// Reads the raw packet at <paramref name="cursor"/> (ignoring views) as a packet of <paramref name="owner"/>'s lease
    /// <paramref name="generation"/>: how a view block reads its parent. Blocks that can build the packet for the owner
    /// directly override it, saving the copy a rebind makes.
    /// </summary>
    internal virtual bool ReadRawFor(PacketBlock owner, int generation, ref int cursor, out PacketRef packet)
    {
        if (!ReadNext(ref cursor, out packet)) return false;
        packet = packet.Rebind(owner, generation);
        return true;
    }

    /// <summary>The bytes at <paramref name="offset"/> in the block's storage, already bounds-checked by <see cref="ReadNext"/>.</summary>
    internal abstract ReadOnlySpan<byte> GetSpan(int offset, int length);

    /// <summary>The whole block's storage.</summary>
    private protected abstract Memory<byte> GetMemory();

    /// <summary>Gives the storage back (to the kernel or a pool). Called once per lease.</summary>
    private protected abstract void OnReleased();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void ThrowIfStale(int generation)
    {
        if (Volatile.Read(ref _generation) != generation) ThrowStale();
    }

    internal bool IsCurrent(int generation) => Volatile.Read(ref _generation) == generation && IsLeased;

    /// <summary>
    /// Reads the next packet the view shows, from the walk position (<paramref name="cursor"/>,
    /// <paramref name="index"/>) of the lease <paramref name="generation"/>; false at the end. The one walk
    /// loop, shared by the enumerator and by the sources' packet calls (which keep the position in plain
    /// fields, so the packet goes to the caller's stack rather than through a heap copy).
    /// </summary>
    internal bool TryReadVisible(int generation, ref int cursor, ref int index, out PacketRef packet)
    {
        ThrowIfStale(generation);
        if (_hasSelection) return TryReadSelected(ref cursor, ref index, out packet);
        if (!ReadNext(ref cursor, out packet)) return false;
        index++;
        return true;
    }

    /// <summary>
    /// Steps over the raw packet at <paramref name="cursor"/> without decoding it; false at the end of the block.
    /// Overrides must stop exactly where <see cref="ReadNext"/> stops, so skipping and reading see one chain.
    /// </summary>
    private protected virtual bool SkipNext(ref int cursor) => ReadNext(ref cursor, out _);

    /// <summary>As <see cref="SkipNext"/>, ignoring views; lets a view block step over its parent's packets.</summary>
    internal bool SkipRaw(ref int cursor) => SkipNext(ref cursor);

    /// <summary>
    /// As <see cref="TryReadVisible"/>, but yields only what slimcap's callback passes (bytes, wire length, type,
    /// IP-layer offset). Without a view this skips building a <see cref="PacketRef"/> (the callback's hot path).
    /// </summary>
    internal bool TryReadVisiblePayload(int generation, ref int cursor, ref int index, out ReadOnlySpan<byte> data,
        out long totalLength, out PacketType type, out int ipLayerOffset)
    {
        if (!_hasSelection)
        {
            ThrowIfStale(generation);
            index++;
            return ReadNextPayload(ref cursor, out data, out totalLength, out type, out ipLayerOffset);
        }
        bool found = TryReadVisible(generation, ref cursor, ref index, out PacketRef packet);
        return Unpack(found, packet, out data, out totalLength, out type, out ipLayerOffset);
    }

    /// <summary>Reads only the type of the raw packet at <paramref name="cursor"/>; blocks with a faster walk override it.</summary>
    private protected virtual bool ReadNextType(ref int cursor, out PacketType type)
    {
        bool found = ReadNext(ref cursor, out PacketRef packet);
        type = packet.Type;
        return found;
    }

    /// <summary>
    /// Calls <paramref name="visitor"/> for each raw packet in order, at most <paramref name="limit"/>, with its raw
    /// index, its cursor (what <see cref="ReadNext"/> takes to read it again) and its bytes; returns how many it visited.
    /// Ignores views: for a block that shows all it holds. One call per block, so that a block type with a tight walk
    /// (the ring's) runs the visitor inlined in its own loop instead of paying a virtual read per packet.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The block is not leased.</exception>
    internal virtual int VisitRaw<TVisitor>(ref TVisitor visitor, int limit) where TVisitor : struct, IRawPacketVisitor
    {
        int generation = CurrentGeneration;
        int cursor = 0, index = 0;
        while (index < limit)
        {
            int at = cursor;
            if (!ReadNextPayload(ref cursor, out ReadOnlySpan<byte> data, out _, out _, out int ipLayerOffset)) break;
            visitor.Visit(index++, at, data, ipLayerOffset);
        }
        ThrowIfStale(generation);
        return index;
    }

    /// <summary>Reads the raw packet at <paramref name="cursor"/> as a payload view; blocks with a faster walk override it.</summary>
    private protected virtual bool ReadNextPayload(ref int cursor, out ReadOnlySpan<byte> data, out long totalLength, out PacketType type, out int ipLayerOffset)
    {
        bool found = ReadNext(ref cursor, out PacketRef packet);
        return Unpack(found, packet, out data, out totalLength, out type, out ipLayerOffset);
    }

    /// <summary>The callback's fields of <paramref name="packet"/> when <paramref name="found"/>, else <see cref="NoPayload"/>.</summary>
    private bool Unpack(bool found, PacketRef packet, out ReadOnlySpan<byte> data, out long totalLength, out PacketType type, out int ipLayerOffset)
    {
        if (!found) return NoPayload(out data, out totalLength, out type, out ipLayerOffset);
        data = GetSpan(packet.DataOffset, packet.CapturedLength);
        totalLength = packet.TotalLength;
        type = packet.Type;
        ipLayerOffset = packet.IpLayerOffset;
        return true;
    }

    /// <summary>The end of a walk: no packet. Returns false.</summary>
    private protected static bool NoPayload(out ReadOnlySpan<byte> data, out long totalLength, out PacketType type, out int ipLayerOffset)
    {
        data = default;
        totalLength = 0;
        type = PacketType.Unknown;
        ipLayerOffset = LinkTypeInfo.UnknownOffset;
        return false;
    }

    /// <summary>The generation of the current lease, for a walk that starts now.</summary>
    internal int CurrentGeneration
    {
        get
        {
            int generation = Volatile.Read(ref _generation);
            if (!IsLeased) ThrowDisposed();
            return generation;
        }
    }

    [DoesNotReturn]
    private static void ThrowStale() =>
        throw new ObjectDisposedException(nameof(PacketBlock), "The packet's block was released (disposed); its data is no longer readable. Use PacketRef.Detach() to keep a packet past its block.");

    [DoesNotReturn]
    private protected static void ThrowDisposed() =>
        throw new ObjectDisposedException(nameof(PacketBlock), "The block was released (disposed).");

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
        public readonly PacketRef Current => _current;

        /// <summary>Moves to the next visible packet. Throws <see cref="ObjectDisposedException"/> if the block was released.</summary>
        public bool MoveNext() => _block.TryReadVisible(_generation, ref _cursor, ref _index, out _current);
    }
}
