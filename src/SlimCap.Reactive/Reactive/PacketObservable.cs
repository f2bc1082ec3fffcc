using System.Reactive.Linq;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// Rx operators over packet streams (<see cref="IObservable{T}"/> of <see cref="PacketRef"/>, as made by
/// <see cref="PacketBlockObservable.Packets"/>). They allocate nothing per packet and forward each kept packet during
/// the source's <c>OnNext</c>, so the packet is still valid in the observer.
/// </summary>
/// <remarks>
/// Thread safety: the methods and the observables they return may be used from any thread; notifications follow the
/// source's thread. Time sampling has no packet-stream form: a <see cref="PacketRef"/> dies with its block's <c>OnNext</c>, so it cannot
/// wait for a timer. Sample the block stream with <see cref="PacketBlockObservable.SampleByTime(IObservable{PacketBlock}, TimeSpan, System.Reactive.Concurrency.IScheduler)"/>.
/// </remarks>
public static class PacketObservable
{
    /// <summary>Keeps only packets of <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    public static IObservable<PacketRef> WherePacketType(this IObservable<PacketRef> source, PacketType type) =>
        WherePacketType(source, type.ToSet());

    /// <summary>Keeps only packets whose type is in <paramref name="types"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    public static IObservable<PacketRef> WherePacketType(this IObservable<PacketRef> source, PacketTypes types)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Select(source, PacketSelectors.OfTypes(types));
    }

    /// <summary>Keeps every <paramref name="n"/>-th packet (the n-th, 2n-th, …), counted from the start of each subscription.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is less than 1.</exception>
    public static IObservable<PacketRef> SampleEvery(this IObservable<PacketRef> source, long n)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Select(source, PacketSelectors.EveryNth(n));
    }

    /// <summary>
    /// Keeps each packet with probability <paramref name="fraction"/>, drawn from a generator seeded with
    /// <paramref name="seed"/> per subscription; it keeps the same packets as the block form with the same seed.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is not within [0, 1].</exception>
    public static IObservable<PacketRef> SampleFraction(this IObservable<PacketRef> source, double fraction, long seed)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Select(source, PacketSelectors.Fraction(fraction, seed));
    }

    private static IObservable<PacketRef> Select<TSelector>(IObservable<PacketRef> source, TSelector prototype)
        where TSelector : struct, IPacketSelector =>
        Observable.Create<PacketRef>(observer =>
        {
            TSelector selector = prototype; // a fresh copy per subscription
            return source.Subscribe(
                packet =>
                {
                    if (selector.Select(packet.Type, packet)) observer.OnNext(packet);
                },
                observer.OnError,
                observer.OnCompleted);
        });
}
