using System.Reactive.Concurrency;
using System.Reactive.Linq;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// Rx operators over streams of <see cref="PacketBlock"/> leases that keep the lease rules: filters and samplers
/// narrow the block's view in place (no copy, nothing allocated per packet), forward blocks that still show packets
/// to the observer, who then owns them, and dispose every block they do not forward.
/// </summary>
/// <remarks>
/// Each operator narrows the block object it receives, so it must own that block (as every observer of a capture
/// stream does); stacked filters compose. Consecutive <c>WherePacketType</c>, <c>SampleEvery</c> and <c>SampleFraction</c>
/// are fused into one stage that narrows each block in a single walk, with the same result as separate stages.
/// Arguments are checked when the operator is applied, not at subscription.
/// Thread safety: the methods and the observables they return may be used from any thread. Notifications follow the source's thread, except <see cref="SampleByTime(IObservable{PacketBlock}, TimeSpan, IScheduler)"/>,
/// which delivers on the scheduler's.
/// </remarks>
public static partial class PacketBlockObservable
{
    /// <summary>Keeps only packets of <paramref name="type"/>; blocks left with none are disposed, not forwarded.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    public static IObservable<PacketBlock> WherePacketType(this IObservable<PacketBlock> source, PacketType type) =>
        WherePacketType(source, type.ToSet());

    /// <summary>Keeps only packets whose type is in <paramref name="types"/>; blocks left with none are disposed, not forwarded.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    public static IObservable<PacketBlock> WherePacketType(this IObservable<PacketBlock> source, PacketTypes types)
    {
        ArgumentNullException.ThrowIfNull(source);
        return RestrictObservable<TypeSelector>.Over(source, PacketSelectors.OfTypes(types));
    }

    /// <summary>
    /// Keeps only the packets <paramref name="program"/> accepts (returns non-zero for), narrowing each block's view in
    /// place (no copy); blocks left with none are disposed, not forwarded. Fuses with <c>WherePacketType</c> and the
    /// samplers into one walk per block. <see cref="BpfDialect.Libpcap"/> (the default) runs the compiled program
    /// (<see cref="BpfProgram.Compile"/>) over the captured bytes with the wire length, as libpcap filters a file;
    /// <see cref="BpfDialect.Linux"/> runs it as an attached socket filter would (<see cref="BpfProgram.RunLinux"/>, for
    /// programs written for live Linux capture, such as ancillary VLAN loads on ring frames whose tag was stripped).
    /// The return value never shortens a packet.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="program"/> is null.</exception>
    /// <exception cref="InvalidBpfProgramException"><paramref name="dialect"/> is Linux and the kernel's checker refuses the program.</exception>
    public static IObservable<PacketBlock> WhereBpf(this IObservable<PacketBlock> source, BpfProgram program, BpfDialect dialect = BpfDialect.Libpcap)
    {
        ArgumentNullException.ThrowIfNull(source);
        return RestrictObservable<BpfSelector>.Over(source, PacketSelectors.Bpf(program, dialect));
    }

    /// <summary>
    /// Keeps every <paramref name="n"/>-th packet (the n-th, 2n-th, …), counted across blocks from the start of each
    /// subscription: the same packets in the same order give the same sample however they are batched.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is less than 1.</exception>
    public static IObservable<PacketBlock> SampleEvery(this IObservable<PacketBlock> source, long n)
    {
        ArgumentNullException.ThrowIfNull(source);
        return RestrictObservable<EveryNthSelector>.Over(source, PacketSelectors.EveryNth(n));
    }

    /// <summary>
    /// Keeps each packet with probability <paramref name="fraction"/>, drawn from a generator seeded with
    /// <paramref name="seed"/> per subscription: the same seed over the same packets keeps the same packets.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is not within [0, 1].</exception>
    public static IObservable<PacketBlock> SampleFraction(this IObservable<PacketBlock> source, double fraction, long seed)
    {
        ArgumentNullException.ThrowIfNull(source);
        return RestrictObservable<FractionSelector>.Over(source, PacketSelectors.Fraction(fraction, seed));
    }

    /// <summary>
    /// Samples by time with Rx <c>Sample</c> semantics, on the default scheduler (<see cref="Scheduler.Default"/>): at
    /// the end of each <paramref name="interval"/> forwards the latest packet received in it, as its block narrowed to
    /// that packet; nothing when no packet arrived. See <see cref="SampleByTime(IObservable{PacketBlock}, TimeSpan, IScheduler)"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is not positive.</exception>
    public static IObservable<PacketBlock> SampleByTime(this IObservable<PacketBlock> source, TimeSpan interval) =>
        SampleByTime(source, interval, Scheduler.Default);

    /// <summary>
    /// Samples by time with Rx <c>Sample</c> semantics, timed by <paramref name="scheduler"/>: at each tick forwards the
    /// latest packet received since the previous tick, as its block narrowed to that one packet (the lease is held
    /// until then, so at most one block waits here). Blocks superseded before a tick are disposed. Completion is
    /// delivered at the next tick, after the pending sample; an error at once (the pending block is disposed).
    /// Samples are delivered on the scheduler's thread.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="scheduler"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is not positive.</exception>
    public static IObservable<PacketBlock> SampleByTime(this IObservable<PacketBlock> source, TimeSpan interval, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(scheduler);
        return LeaseObservable.Create<PacketBlock>(observer => new TimeSampleSink(observer, interval, scheduler).Run(source));
    }

    /// <summary>
    /// Flattens blocks into their visible packets. Each <see cref="PacketRef"/> is valid only during the observer's
    /// <c>OnNext</c> (call <see cref="PacketRef.Detach"/> to keep one); the block is disposed right after its last
    /// packet, or at once when the observer throws (the exception then propagates to the source) or unsubscribes.
    /// Do not put operators that hold items (<c>ObserveOn</c>, <c>Buffer</c>, <c>Delay</c>) between this and the
    /// code that reads the packets: the packets' block would be gone by then.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    public static IObservable<PacketRef> Packets(this IObservable<PacketBlock> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Observable.Create<PacketRef>(observer => new PacketsSink(observer).Run(source));
    }
}
