using System.Runtime.CompilerServices;
using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Dataflow;

/// <summary>
/// Spreads packets across targets by flow: each packet goes to target <c>key % TargetCount</c>, so every packet of a
/// flow reaches the same target, in capture order. By default the key is <see cref="FlowKey.Symmetric5Tuple(in PacketRef)"/>,
/// which puts both directions of a connection together.
/// </summary>
/// <remarks>
/// For each block, every target with packets in it gets a view of the block showing just those packets, sharing the
/// lease by reference counting (no copy); the block returns to the kernel when the last view is disposed. Targets
/// without packets in a block get nothing for it. Ownership, bounds, policies, ending and thread safety as on
/// <see cref="PacketFanOut"/>; the key selector is called on the producer's thread only, once per visible packet, in order.
/// </remarks>
public sealed class PacketPartitioner : PacketFanOut
{
    private readonly FlowKeySelector _keySelector;
    private readonly bool _defaultKey;
    private readonly ulong _targetMask; // TargetCount - 1 when TargetCount is a power of two (key & mask == key % count)
    private readonly bool _powerOfTwo;
    private readonly int[] _counts;
    private ulong[] _bits = new ulong[256]; // one selection bitmap per target, a block's worth of words each
    private readonly PartitionCursorPool _cursorTables = new();

    /// <summary>Creates a partitioner to <paramref name="targets"/> keyed by the symmetric 5-tuple, linked at once.</summary>
    /// <param name="targets">The targets; each receives views it owns and must dispose.</param>
    /// <param name="options">Buffering and back-pressure; defaults when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="targets"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="targets"/> is empty or holds null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public PacketPartitioner(IEnumerable<ITargetBlock<PacketBlock>> targets, FanOutOptions? options = null)
        : this(targets, FlowKey.Symmetric5Tuple, options)
    {
    }

    /// <summary>Creates a partitioner keyed by <paramref name="keySelector"/>.</summary>
    /// <param name="targets">The targets; each receives views it owns and must dispose.</param>
    /// <param name="keySelector">Computes each packet's key on the producer's thread. If it throws, <see cref="PacketFanOut.Post"/> disposes the block and rethrows.</param>
    /// <param name="options">Buffering and back-pressure; defaults when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="targets"/> or <paramref name="keySelector"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="targets"/> is empty or holds null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public PacketPartitioner(IEnumerable<ITargetBlock<PacketBlock>> targets, FlowKeySelector keySelector, FanOutOptions? options = null)
        : base(targets, options)
    {
        ArgumentNullException.ThrowIfNull(keySelector);
        _keySelector = keySelector;
        // The built-in key gets a walk that hashes the frame's bytes directly: no delegate call and no PacketRef
        // per packet. Same keys as calling the delegate; a custom selector takes the general walk.
        _defaultKey = keySelector.Equals((FlowKeySelector)FlowKey.Symmetric5Tuple);
        _counts = new int[TargetCount];
        _powerOfTwo = (TargetCount & (TargetCount - 1)) == 0;
        _targetMask = (ulong)TargetCount - 1;
    }

    internal override string MetricsKind => "partition";

    /// <summary>The free cursor tables (for tests).</summary>
    internal PartitionCursorPool CursorTables => _cursorTables;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected override void Distribute(PacketBlock block, CancellationToken cancellationToken)
    {
        int visible = block.PacketCount;
        if (visible == 0) return;
        int raw = block.RawPacketCount;
        int words = (raw + 63) >> 6;
        int targets = TargetCount;
        if (_bits.Length < targets * words) _bits = new ulong[Math.Max(targets * words, _bits.Length * 2)]; // grows rarely
        Span<ulong> bits = _bits.AsSpan(0, targets * words);
        bits.Clear();
        Array.Clear(_counts);

        // One pass: each visible packet's key picks its target, whose bitmap gets the packet's bit at once.
        if (!_defaultKey)
        {
            AssignBySelector(block, bits, words, raw);
        }
        else if (block.CanAttachCursors)
        {
            // A block showing all it holds: the block's own walk runs the hashing inlined, and records where each
            // packet starts, so that the targets' views jump to their packets instead of walking the whole block.
            AssignAndNoteCursors(block, words, raw);
        }
        else
        {
            AssignByFlow(block, bits, words, raw); // a block showing a view: its walk skips what the view hides
        }

        for (int t = 0; t < targets; t++)
        {
            int count = _counts[t];
            if (count == 0) continue;
            PacketBlock view = block.CreateView();
            if (count != visible)
            {
                try
                {
                    view.Select(bits.Slice(t * words, words), count);
                }
                catch
                {
                    view.Dispose();
                    throw;
                }
            }
            Deliver(t, view, cancellationToken);
        }
    }

    /// <summary>
    /// The built-in key's pass over a whole block, noting each packet's cursor in a table that the block's lease then
    /// holds for the targets' views (and gives back to <see cref="_cursorTables"/> when it ends).
    /// </summary>
    private void AssignAndNoteCursors(PacketBlock block, int words, int raw)
    {
        PartitionCursorTable table = _cursorTables.Rent(raw);
        try
        {
            var visitor = new FlowVisitor(this, _bits, words, table.Cursors);
            table.Count = block.VisitRaw(ref visitor, raw);
        }
        catch
        {
            _cursorTables.Return(table);
            throw;
        }
        if (!block.TryAttachCursors(table)) _cursorTables.Return(table); // another walk's table is attached: the views use that one
    }

    /// <summary>The built-in key over a block that shows a view (no cursor table: its walk skips hidden packets).</summary>
    private void AssignByFlow(PacketBlock block, Span<ulong> bits, int words, int raw)
    {
        int[] counts = _counts;
        int generation = block.CurrentGeneration;
        int cursor = 0, index = 0;
        while (block.TryReadVisiblePayload(generation, ref cursor, ref index, out ReadOnlySpan<byte> data, out _, out _, out int ipLayerOffset))
        {
            int i = index - 1; // the packet's raw index: the walk counts every packet it reads, shown or not
            if ((uint)i >= (uint)raw) break; // a chain longer than the block's count: what it does not count is not shown
            int t = TargetOf(FlowKey.Symmetric5Tuple(data, ipLayerOffset));
            bits[t * words + (i >> 6)] |= 1UL << i;
            counts[t]++;
        }
    }

    /// <summary>The built-in key's pass over a whole block: hashes each packet, sets its target's bit, notes its cursor.</summary>
    private struct FlowVisitor(PacketPartitioner owner, ulong[] bits, int words, int[] cursors) : IRawPacketVisitor
    {
        public readonly void Visit(int index, int cursor, ReadOnlySpan<byte> data, int ipLayerOffset)
        {
            int t = owner.TargetOf(FlowKey.Symmetric5Tuple(data, ipLayerOffset));
            bits[t * words + (index >> 6)] |= 1UL << index;
            owner._counts[t]++;
            cursors[index] = cursor;
        }
    }

    private void AssignBySelector(PacketBlock block, Span<ulong> bits, int words, int raw)
    {
        int[] counts = _counts;
        FlowKeySelector keySelector = _keySelector;
        int generation = block.CurrentGeneration;
        int cursor = 0, index = 0;
        while (block.TryReadVisible(generation, ref cursor, ref index, out PacketRef packet))
        {
            int i = index - 1;
            if ((uint)i >= (uint)raw) break;
            int t = TargetOf(keySelector(in packet));
            bits[t * words + (i >> 6)] |= 1UL << i;
            counts[t]++;
        }
    }

    private int TargetOf(ulong key) => (int)(_powerOfTwo ? key & _targetMask : key % (ulong)_counts.Length);
}
