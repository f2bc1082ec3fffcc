using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Dataflow;

/// <summary>
/// Sends every block to every target. Each target gets its own view of the block (showing what the block showed),
/// sharing the one lease by reference counting: the block returns to the kernel when the last target disposes its view.
/// Unlike Dataflow's <c>BroadcastBlock</c>, no target silently misses a block and no two targets share one object.
/// </summary>
/// <remarks>Ownership, bounds, policies, ending and thread safety as described on <see cref="PacketFanOut"/>.</remarks>
public sealed class PacketBroadcaster : PacketFanOut
{
    /// <summary>Creates a broadcaster to <paramref name="targets"/>, linked at once.</summary>
    /// <param name="targets">The targets; each receives block views it owns and must dispose.</param>
    /// <param name="options">Buffering and back-pressure; defaults when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="targets"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="targets"/> is empty or holds null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public PacketBroadcaster(IEnumerable<ITargetBlock<PacketBlock>> targets, FanOutOptions? options = null)
        : base(targets, options)
    {
    }

    internal override string MetricsKind => "broadcast";

    private protected override void Distribute(PacketBlock block, CancellationToken cancellationToken)
    {
        if (block.PacketCount == 0) return;
        for (int t = 0; t < TargetCount; t++)
        {
            Deliver(t, block.CreateView(), cancellationToken);
        }
    }
}
