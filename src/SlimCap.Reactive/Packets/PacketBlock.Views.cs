using System.Runtime.CompilerServices;

namespace SlimCap.Reactive;

// Views: what a block shows of the packets it holds (a selection bitmap by raw index), how
// operators and partitioners narrow it, and how walks skip what it hides.
public abstract partial class PacketBlock
{
    /// <summary>The selection bitmap, with room for <paramref name="words"/> words; grows rarely (sized by the largest block seen).</summary>
    private ulong[] SelectionFor(int words)
    {
        if (_selection is null || _selection.Length < words) _selection = new ulong[Math.Max(words, 64)];
        return _selection;
    }

    /// <summary>
    /// Makes this (freshly activated) block show exactly what <paramref name="source"/> shows, given both hold the
    /// same raw packets: copies the selection bitmap and the visible count.
    /// </summary>
    internal void CopyViewFrom(PacketBlock source)
    {
        if (!IsLeased || !source.IsLeased) ThrowDisposed();
        _visibleCount = source._visibleCount;
        _hasSelection = source._hasSelection;
        if (!_hasSelection) return;
        int words = (_rawCount + 63) >> 6;
        ulong[] selection = SelectionFor(words);
        source._selection!.AsSpan(0, words).CopyTo(selection);
    }

    /// <summary>
    /// Narrows this view to the packets whose bits (by raw index) are set in <paramref name="bits"/>, which number
    /// <paramref name="visible"/> and must all be visible already: how a partitioner that sorted the block's packets in
    /// one pass hands each target its share, instead of a <see cref="Restrict"/> walk per target.
    /// </summary>
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
    /// <see cref="TryReadVisible"/> under a selection bitmap: packets the bitmap hides are stepped over with
    /// <see cref="SkipNext"/>, without decoding them, since a partition's view hides most of its block. A packet beyond
    /// the bitmap (a block whose chain is longer than its count) counts as hidden.
    /// </summary>
    private bool TryReadSelected(ref int cursor, ref int index, out PacketRef packet)
    {
        ulong[] selection = _selection!;
        int[]? cursors = FindRawCursors(out int known);
        if (cursors is not null)
        {
            // The partitioner noted where every packet starts: jump from selected packet to selected packet.
            while (NextSelected(selection, index, known) is var i && i >= 0)
            {
                cursor = cursors[i];
                if (!ReadNext(ref cursor, out packet)) return false;
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
                if (!SkipNext(ref cursor)) break;
                index = i + 1;
                continue;
            }
            if (!ReadNext(ref cursor, out packet)) return false;
            index = i + 1;
            return true;
        }
        packet = default;
        return false;
    }

    /// <summary>The first set bit at or after <paramref name="from"/> and below <paramref name="limit"/>, or -1.</summary>
    private static int NextSelected(ulong[] selection, int from, int limit)
    {
        if (from >= limit) return -1;
        int word = from >> 6;
        int lastWord = Math.Min((limit - 1) >> 6, selection.Length - 1);
        ulong bits = selection[word] & (ulong.MaxValue << from); // shifts by from % 64: drops the bits before from
        while (bits == 0)
        {
            if (++word > lastWord) return -1;
            bits = selection[word];
        }
        int found = (word << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits);
        return found < limit ? found : -1;
    }

    /// <summary>
    /// The block a view reads (its parent), whose cursor table this view's walks may use: a view's cursors and raw
    /// indices are its parent's, and so on up to the block that holds the packets. A field rather than a virtual
    /// call, since a view's walk looks the table up once per packet. Null for a block that is not a view.
    /// </summary>
    private protected PacketBlock? CursorHost;

    /// <summary>
    /// The cursor of each of the first <paramref name="known"/> raw packets, recorded by a partitioner for the current
    /// lease of this block or of a block it views (each view holds a reference on its parent, so the table outlives
    /// the walk); null when there is none.
    /// </summary>
    private int[]? FindRawCursors(out int known)
    {
        for (PacketBlock? b = this; b is not null; b = b.CursorHost)
        {
            if (b._rawCursors is { } cursors)
            {
                known = b._rawCursorCount;
                return cursors;
            }
        }
        known = 0;
        return null;
    }

    /// <summary>
    /// Rents this lease's cursor table for a partitioner's walk (null when the block shows a view, whose walk skips
    /// packets, or already has one); publish what was filled with <see cref="PublishRawCursors"/>. Returned to the pool
    /// when the block is released. Producer thread only, before any view of the block exists.
    /// </summary>
    internal int[]? RentRawCursors()
    {
        if (_hasSelection || _rawCursors is not null || _rawCount == 0) return null;
        return _rawCursors = CursorTablePool.Rent(_rawCount);
    }

    /// <summary>Marks the first <paramref name="count"/> entries of the rented cursor table as filled.</summary>
    internal void PublishRawCursors(int count) => _rawCursorCount = count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsVisible(int index)
    {
        if (!_hasSelection) return true;
        // A chain longer than the block's packet count (a malformed block) shows nothing past the count.
        return (uint)index < (uint)_rawCount && (_selection![index >> 6] & (1UL << index)) != 0;
    }

    /// <summary>
    /// Narrows the view to the visible packets <paramref name="selector"/> accepts, calling it once per
    /// visible packet in order. Returns the new <see cref="PacketCount"/>.
    /// </summary>
    internal int Restrict<TSelector>(ref TSelector selector) where TSelector : struct, IPacketSelector
    {
        if (!IsLeased) ThrowDisposed();
        ulong[] selection = SelectionFor((_rawCount + 63) >> 6);
        int generation = Generation;
        // A constant per selector type: selectors that only count skip building the PacketRef.
        int visible = TSelector.NeedsPacket ? SelectPackets(ref selector, selection) : SelectTypes(ref selector, selection);
        ThrowIfStale(generation);
        // A view that kept every packet needs no bitmap: later walks then read straight through the block.
        _hasSelection = visible != _rawCount;
        _visibleCount = visible;
        return visible;
    }

    private int SelectPackets<TSelector>(ref TSelector selector, ulong[] selection) where TSelector : struct, IPacketSelector
    {
        var walker = new PacketWalker(this);
        return SelectLoop(ref selector, ref walker, selection);
    }

    /// <summary>The walk of <see cref="Restrict"/> for selectors that need only each packet's type (through <see cref="ReadNextType"/>).</summary>
    private int SelectTypes<TSelector>(ref TSelector selector, ulong[] selection) where TSelector : struct, IPacketSelector
    {
        var walker = new TypeWalker(this);
        return SelectLoop(ref selector, ref walker, selection);
    }

    /// <summary>
    /// Writes the new view into <paramref name="selection"/>, a word per 64 packets; <see cref="IsVisible"/> still reads
    /// the previous view's word, which is only overwritten once complete. Returns how many packets stay visible.
    /// </summary>
    private int SelectLoop<TSelector, TWalker>(ref TSelector selector, ref TWalker walker, ulong[] selection)
        where TSelector : struct, IPacketSelector
        where TWalker : struct, IPacketWalker
    {
        int index = 0, visible = 0;
        ulong word = 0;
        int limit = _rawCount; // the bitmap covers the block's packet count, whatever its chain claims
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

    private struct PacketWalker(PacketBlock block) : IPacketWalker
    {
        private int _cursor;

        public bool Next(out PacketType type, out PacketRef packet)
        {
            bool found = block.ReadNext(ref _cursor, out packet);
            type = packet.Type;
            return found;
        }
    }

    private struct TypeWalker(PacketBlock block) : IPacketWalker
    {
        private int _cursor;

        public bool Next(out PacketType type, out PacketRef packet)
        {
            packet = default;
            return block.ReadNextType(ref _cursor, out type);
        }
    }
}
