using System.Reactive.Concurrency;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

// Lease-aware counterparts of Rx operators that hold, drop or share items: Rx's own versions lose leases (ObserveOn's
// queue on unsubscription, Where's rejected items) or hand one lease to several owners (Publish), see README's table.
public static partial class PacketBlockObservable
{
    /// <summary>
    /// Shares one subscription to <paramref name="source"/> among every subscriber, as <c>Publish().RefCount()</c>
    /// does, but each subscriber receives its own lease of every block (a view sharing the block by reference counting)
    /// and disposes it: the block goes back once the last subscriber disposed its lease, and no subscriber can end
    /// another's. The source is subscribed when <paramref name="minSubscribers"/> subscribers are there (so none misses
    /// the first blocks) and unsubscribed when the last one leaves; a subscriber arriving later, or after the source
    /// ended, connects afresh (a cold capture then starts again).
    /// </summary>
    /// <remarks>
    /// Every subscriber holds the block until it disposes its lease, so the slowest subscriber sets the pace: a ring
    /// block stays with the kernel's reader until all subscribers are done with it. A subscriber that unsubscribes
    /// while a block is being shared may still receive that block's lease, which it then owns. An exception thrown by a
    /// subscriber's <c>OnNext</c> propagates to the source (its lease stays its own), as in Rx.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minSubscribers"/> is less than 1.</exception>
    public static IObservable<PacketBlock> ShareLeases(this IObservable<PacketBlock> source, int minSubscribers = 1)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(minSubscribers, 1);
        return new SharedLeasesObservable(source, minSubscribers);
    }

    /// <summary>
    /// Delivers the blocks on <paramref name="scheduler"/>, in order, as Rx's <c>ObserveOn</c> does; disposing the
    /// subscription (as <c>Take</c> downstream does) disposes every block still queued, where <c>ObserveOn</c> drops
    /// its queue and with it the leases (their blocks then wait for the garbage collector).
    /// </summary>
    /// <remarks>The queue holds what the source has handed out and not got back: at most a ring's blocks or a file's pool.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="scheduler"/> is null.</exception>
    public static IObservable<PacketBlock> ObserveLeasesOn(this IObservable<PacketBlock> source, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(scheduler);
        return LeaseObservable.Create<PacketBlock>(observer => new ObserveLeasesOnSink(observer, scheduler).Run(source));
    }

    /// <summary>
    /// Forwards the blocks <paramref name="predicate"/> accepts and disposes the others, where Rx's <c>Where</c> drops
    /// them undisposed. To keep some packets of each block rather than whole blocks, use <see cref="WherePacketType(IObservable{PacketBlock}, PacketType)"/>
    /// or <see cref="WhereBpf"/>, which narrow the block's view. An exception from <paramref name="predicate"/> disposes
    /// the block and ends the stream with <c>OnError</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="predicate"/> is null.</exception>
    public static IObservable<PacketBlock> WhereBlocks(this IObservable<PacketBlock> source, Func<PacketBlock, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(predicate);
        return LeaseObservable.Create<PacketBlock>(observer => new WhereBlocksSink(observer, predicate).Run(source));
    }
}
