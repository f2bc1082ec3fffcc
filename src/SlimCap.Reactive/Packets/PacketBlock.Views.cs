using System.Runtime.CompilerServices;

namespace SlimCap.Reactive.Packets;

// Views: what a lease shows of the packets its block holds (a selection bitmap by raw index), how operators and
// partitioners narrow it, and how walks skip what it hides. The bitmap is this lease's own, rented from a pool.
public sealed partial class PacketBlock
{
    private int _visibleCount;
    private bool _hasSelection;
    private ulong[]? _selection;
    private byte _narrowing; // 1 while Restrict writes the bitmap: Dispose then leaves the bitmap to the GC (a byte: see FanoutMember)

    /// <summary>The selection bitmap, with room for <paramref name="words"/> words (rented on first use).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ulong[] SelectionFor(int words)
    {
        ulong[]? selection = _selection;
        if (selection is null || selection.Length < words)
        {
            if (selection is not null) TablePool<ulong>.Return(selection);
            _selection = selection = TablePool<ulong>.Rent(words);
        }
        return selection;
    }

    /// <summary>Gives the bitmap back when the lease ends, unless a (misused, concurrent) narrowing still writes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReturnSelection()
    {
        ulong[]? selection = _selection;
        if (selection is null || Volatile.Read(ref _narrowing) != 0) return;
        TablePool<ulong>.Return(selection);
        // The reference stays: a reader that lost the race reads a reused bitmap (which only changes what it would
        // have shown, inside this block), never a null one.
    }

    /// <summary>Makes this fresh lease show exactly what <paramref name="source"/> shows (both hold the same block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CopyViewFrom(PacketBlock source)
    {
        _visibleCount = source._visibleCount;
        if (!source._hasSelection) return;
        int words = (_rawCount + 63) >> 6;
        ulong[] selection = SelectionFor(words);
        source._selection!.AsSpan(0, words).CopyTo(selection);
        _hasSelection = true;
    }

    /// <summary>
    /// Narrows this (fresh, unpublished) view to the packets whose bits (by raw index) are set in <paramref name="bits"/>,
    /// which number <paramref name="visible"/> and must all be visible already: how a partitioner that sorted the block's
    /// packets in one pass hands each target its share, instead of a <see cref="Restrict"/> walk per target.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Select(ReadOnlySpan<ulong> bits, int visible)
    {
        if (!IsLeased) ThrowDisposed();
        int words = (_rawCount + 63) >> 6;
        ulong[] selection = SelectionFor(words);
        bits.Slice(0, words).CopyTo(selection);
        _hasSelection = true;
        _visibleCount = visible;
    }

    /// <summary>
    /// True when a walk over every raw packet may note their cursors for the views made of this lease: it shows all it
    /// holds (a view's own walk skips packets) and no table is attached yet.
    /// </summary>
    internal bool CanAttachCursors => !_hasSelection && _rawCount != 0 && _storage.Cursors is null;

    /// <summary>
    /// Attaches <paramref name="cursors"/> to this lease (see <see cref="BlockStorage.TryAttachCursors"/>); false when
    /// this lease shows a view, a table is attached already or the lease ended. The caller keeps a table that was not
    /// attached. (One attached while the source revokes the lease stays with the retired storage, which is never leased again.)
    /// </summary>
    internal bool TryAttachCursors(RawCursorTable cursors) => IsLeased && !_hasSelection && _storage.TryAttachCursors(cursors);

    /// <summary>
    /// <see cref="TryReadVisible"/> under a selection bitmap: packets the bitmap hides are stepped over with
    /// <see cref="BlockStorage.SkipNext"/>, without decoding them, since a partition's view hides most of its block. A
    /// packet beyond the bitmap (a block whose chain is longer than its count) counts as hidden.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryReadSelected(int generation, ref int cursor, ref int index, out PacketRef packet)
    {
        ulong[] selection = _selection!;
        if (_storage.Cursors is { } table)
        {
            // A walk (the partitioner's) noted where every packet starts: jump from selected packet to selected packet.
            int[] cursors = table.Cursors;
            int known = Math.Min(Math.Min(table.Count, cursors.Length), _rawCount);
            int i = NextSelected(selection, index, known);
            if (i >= 0)
            {
                cursor = cursors[i];
                if (!_storage.ReadNext(this, generation, ref cursor, out packet)) return false;
                index = i + 1;
                return true;
            }
            packet = default;
            return false;
        }
        while (true)
        {
            int i = index;
            int word = i >> 6;
            if ((uint)word >= (uint)selection.Length || (selection[word] & (1UL << i)) == 0)
            {
                if (!_storage.SkipNext(ref cursor)) break;
                index = i + 1;
                continue;
            }
            if (!_storage.ReadNext(this, generation, ref cursor, out packet)) return false;
            index = i + 1;
            return true;
        }
        packet = default;
        return false;
    }

    /// <summary>The first set bit at or after <paramref name="from"/> and below <paramref name="limit"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextSelected(ulong[] selection, int from, int limit)
    {
        if (from >= limit) return -1;
        int word = from >> 6;
        int lastWord = Math.Min((limit - 1) >> 6, selection.Length - 1);
        if (word > lastWord) return -1;
        ulong bits = selection[word] & (ulong.MaxValue << from); // shifts by from % 64: drops the bits before from
        while (bits == 0)
        {
            if (++word > lastWord) return -1;
            bits = selection[word];
        }
        int found = (word << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits);
        return found < limit ? found : -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsVisible(int index)
    {
        if (!_hasSelection) return true;
        ulong[] selection = _selection!;
        // A chain longer than the block's packet count (a malformed block) shows nothing past the count.
        return (uint)index < (uint)_rawCount && (uint)(index >> 6) < (uint)selection.Length && (selection[index >> 6] & (1UL << index)) != 0;
    }

    /// <summary>
    /// Narrows the view to the visible packets <paramref name="selector"/> accepts, calling it once per
    /// visible packet in order. Returns the new <see cref="PacketCount"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The lease ended.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int Restrict<TSelector>(ref TSelector selector) where TSelector : struct, IPacketSelector
    {
        Interlocked.Exchange(ref _narrowing, (byte)1); // before the check: Dispose, seeing it, leaves the bitmap alone
        try
        {
            int generation = CurrentGeneration;
            ulong[] selection = SelectionFor((_rawCount + 63) >> 6);
            // A constant per selector type: selectors that only count skip building the PacketRef.
            int visible = TSelector.NeedsPacket ? SelectPackets(ref selector, selection, generation) : SelectTypes(ref selector, selection);
            ThrowIfStale(generation);
            // A view that kept every packet needs no bitmap: later walks then read straight through the block.
            _hasSelection = visible != _rawCount;
            _visibleCount = visible;
            return visible;
        }
        finally
        {
            Volatile.Write(ref _narrowing, (byte)0);
        }
    }

    private int SelectPackets<TSelector>(ref TSelector selector, ulong[] selection, int generation) where TSelector : struct, IPacketSelector
    {
        var walker = new PacketWalker(this, generation);
        return SelectLoop(ref selector, ref walker, selection);
    }

    /// <summary>The walk of <see cref="Restrict"/> for selectors that need only each packet's type (through <see cref="BlockStorage.ReadNextType"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int SelectTypes<TSelector>(ref TSelector selector, ulong[] selection) where TSelector : struct, IPacketSelector
    {
        var walker = new TypeWalker(_storage);
        return SelectLoop(ref selector, ref walker, selection);
    }

    /// <summary>
    /// Writes the new view into <paramref name="selection"/>, a word per 64 packets; <see cref="IsVisible"/> still reads
    /// the previous view's word, which is only overwritten once complete. Returns how many packets stay visible.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int SelectLoop<TSelector, TWalker>(ref TSelector selector, ref TWalker walker, ulong[] selection)
        where TSelector : struct, IPacketSelector
        where TWalker : struct, IPacketWalker
    {
        int index = 0, visible = 0;
        ulong word = 0;
        int limit = Math.Min(_rawCount, selection.Length << 6); // the bitmap covers the block's packet count, whatever its chain claims
        while (index < limit && walker.Next(out PacketType type, out PacketRef packet))
        {
            int i = index++;
            if (IsVisible(i) && selector.Select(type, packet))
            {
                word |= 1UL << i;
                visible++;
            }
            if ((i & 63) == 63)
            {
                selection[i >> 6] = word;
                word = 0;
            }
        }
        if ((index & 63) != 0) selection[index >> 6] = word;
        return visible;
    }

    /// <summary>Steps through a block's raw packets for <see cref="SelectLoop"/>; structs, so the step inlines.</summary>
    private interface IPacketWalker
    {
        /// <summary>The next raw packet's type, and the packet itself when the walker reads it (else default).</summary>
        bool Next(out PacketType type, out PacketRef packet);
    }

    private struct PacketWalker(PacketBlock block, int generation) : IPacketWalker
    {
        private int _cursor;

        public bool Next(out PacketType type, out PacketRef packet)
        {
            bool found = block._storage.ReadNext(block, generation, ref _cursor, out packet);
            type = packet.Type;
            return found;
        }
    }

    private struct TypeWalker(BlockStorage storage) : IPacketWalker
    {
        private int _cursor;

        public bool Next(out PacketType type, out PacketRef packet)
        {
            packet = default;
            return storage.ReadNextType(ref _cursor, out type);
        }
    }
}
