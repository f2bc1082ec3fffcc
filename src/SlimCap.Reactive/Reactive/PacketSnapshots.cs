using System.Reactive.Linq;
using System.Runtime.CompilerServices;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// Turns packet streams into <see cref="PacketSnapshot"/>s, plain values that outlive their blocks, for queries that
/// keep packets (ToList, GroupBy over windows, notebooks, LINQPad). Each packet is copied while it is still valid.
/// Allocates per packet: for experiments and small captures, not for line-rate paths.
/// </summary>
public static class PacketSnapshots
{
    /// <summary>Every packet of every block, copied during the block's OnNext; each block is disposed after.</summary>
    public static IObservable<PacketSnapshot> Snapshots(this IObservable<PacketBlock> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Packets().Snapshots();
    }

    /// <summary>Each packet copied during its OnNext, while it is valid.</summary>
    public static IObservable<PacketSnapshot> Snapshots(this IObservable<PacketRef> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Select(static p => p.Snapshot());
    }

    /// <summary>Each packet copied before the enumeration moves on (when the packet would die).</summary>
    public static IAsyncEnumerable<PacketSnapshot> Snapshots(this IAsyncEnumerable<PacketRef> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Iterate(source, default);

        static async IAsyncEnumerable<PacketSnapshot> Iterate(IAsyncEnumerable<PacketRef> source, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (PacketRef p in source.WithCancellation(cancellationToken).ConfigureAwait(false))
                yield return p.Snapshot();
        }
    }
}
