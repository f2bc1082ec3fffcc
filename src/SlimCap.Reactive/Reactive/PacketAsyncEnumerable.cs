using SlimCap.Reactive.Filters;
using System.Runtime.CompilerServices;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// Filters and samplers over <c>await foreach</c> packet streams (as made by
/// <see cref="CaptureAsyncEnumerable.ReadAllAsync(CaptureSource, CancellationToken)"/>). They allocate nothing per packet,
/// and keep the lifetime rule of their source: a packet is valid until the next <c>MoveNextAsync</c>.
/// </summary>
/// <remarks>
/// Thread safety: the methods may be called from any thread; an enumerator is for one consumer at a time.
/// Cancellation flows to the source: pass a token with <c>WithCancellation</c> on the result (or to the source). Each
/// enumeration starts its own sampler state, so the same packets give the same sample.
/// </remarks>
public static class PacketAsyncEnumerable
{
    /// <summary>Keeps only packets of <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    public static IAsyncEnumerable<PacketRef> WherePacketType(this IAsyncEnumerable<PacketRef> source, PacketType type) =>
        WherePacketType(source, type.ToSet());

    /// <summary>Keeps only packets whose type is in <paramref name="types"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    public static IAsyncEnumerable<PacketRef> WherePacketType(this IAsyncEnumerable<PacketRef> source, PacketTypes types)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Select(source, PacketSelectors.OfTypes(types), default);
    }

    /// <summary>
    /// Keeps only the packets <paramref name="program"/> accepts, with the semantics of <paramref name="dialect"/>
    /// (see <see cref="PacketBlockObservable.WhereBpf"/>).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="program"/> is null.</exception>
    /// <exception cref="InvalidBpfProgramException"><paramref name="dialect"/> is Linux and the kernel's checker refuses the program.</exception>
    public static IAsyncEnumerable<PacketRef> WhereBpf(this IAsyncEnumerable<PacketRef> source, BpfProgram program, BpfDialect dialect = BpfDialect.Libpcap)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Select(source, PacketSelectors.Bpf(program, dialect), default);
    }

    /// <summary>Keeps every <paramref name="n"/>-th packet (the n-th, 2n-th, …), counted from the start of each enumeration.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is less than 1.</exception>
    public static IAsyncEnumerable<PacketRef> SampleEvery(this IAsyncEnumerable<PacketRef> source, long n)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Select(source, PacketSelectors.EveryNth(n), default);
    }

    /// <summary>
    /// Keeps each packet with probability <paramref name="fraction"/>, drawn from a generator seeded with
    /// <paramref name="seed"/> per enumeration; it keeps the same packets as the Rx forms with the same seed.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is not within [0, 1].</exception>
    public static IAsyncEnumerable<PacketRef> SampleFraction(this IAsyncEnumerable<PacketRef> source, double fraction, long seed)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Select(source, PacketSelectors.Fraction(fraction, seed), default);
    }

    private static async IAsyncEnumerable<PacketRef> Select<TSelector>(IAsyncEnumerable<PacketRef> source, TSelector selector,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where TSelector : struct, IPacketSelector
    {
        // selector is this enumeration's own copy (a parameter of the iterator), so its state starts afresh each time.
        await foreach (PacketRef packet in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (selector.Select(packet.Type, packet)) yield return packet;
        }
    }
}
