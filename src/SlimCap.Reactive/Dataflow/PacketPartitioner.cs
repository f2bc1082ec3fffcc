using System.Threading.Tasks.Dataflow;

namespace SlimCap.Reactive;

/// <summary>
/// Spreads packets across targets by flow: each packet goes to target <c>key % TargetCount</c>, so every packet of a
/// flow reaches the same target, in capture order. By default the key is <see cref="FlowKey.Symmetric5Tuple(in PacketRef)"/>,
/// which puts both directions of a connection together.
/// </summary>
/// <remarks>
/// For each block, every target with packets in it gets a view of the block showing just those packets, sharing the
/// lease by reference counting (no copy); the block returns to the kernel when the last view is disposed. Targets
/// without packets in a block get nothing for it. Ownership, bounds, policies, ending and thread safety as on
/// <see cref="PacketFanOut"/>; the key selector is called on the producer's thread only.
/// </remarks>
public sealed class PacketPartitioner : PacketFanOut
{
    private readonly FlowKeySelector _keySelector;
    private readonly int[] _counts;
    private int[] _assignments = new int[256];

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
        _counts = new int[TargetCount];
    }

    private protected override void Distribute(PacketBlock block, CancellationToken cancellationToken)
    {
        int visible = block.PacketCount;
        if (visible == 0) return;
        if (_assignments.Length < visible) _assignments = new int[Math.Max(visible, _assignments.Length * 2)]; // grows rarely
        int[] assignments = _assignments;
        Array.Clear(_counts);
        ulong partitions = (ulong)TargetCount;
        int k = 0;
        foreach (PacketRef packet in block)
        {
            int target = (int)(_keySelector(in packet) % partitions);
            assignments[k++] = target;
            _counts[target]++;
        }
        for (int t = 0; t < _counts.Length; t++)
        {
            if (_counts[t] == 0) continue;
            PacketViewBlock view = PacketViewBlock.Create(block);
            if (_counts[t] != visible)
            {
                var selector = new PartitionSelector(assignments, t);
                try
                {
                    view.Restrict(ref selector);
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
}
