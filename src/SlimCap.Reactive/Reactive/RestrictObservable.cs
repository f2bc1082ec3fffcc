using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>An observable whose blocks are narrowed by a selector, to which a further selector can be fused.</summary>
internal interface IFusableRestrict
{
    /// <summary>The same source narrowed by this observable's selector, then by <paramref name="next"/>, in one walk.</summary>
    IObservable<PacketBlock> Then<TNext>(TNext next) where TNext : struct, IPacketSelector;
}

/// <summary>
/// The view-narrowing block operators (<c>WherePacketType</c>, <c>SampleEvery</c>, <c>SampleFraction</c>) as one
/// stage per chain: applied to an observable of this kind, an operator extends the selector instead of adding a
/// stage (as LINQ fuses <c>Where(...).Where(...)</c>), so a chain narrows each block in one walk of its packets
/// rather than one walk per operator. The result is the same as the stages in a row.
/// </summary>
internal sealed class RestrictObservable<TSelector>(IObservable<PacketBlock> source, TSelector prototype) : IObservable<PacketBlock>, IFusableRestrict
    where TSelector : struct, IPacketSelector
{
    /// <summary><paramref name="source"/> narrowed by <paramref name="selector"/>, fused into <paramref name="source"/>'s chain if it is one.</summary>
    internal static IObservable<PacketBlock> Over(IObservable<PacketBlock> source, TSelector selector) =>
        source is IFusableRestrict chain ? chain.Then(selector) : new RestrictObservable<TSelector>(source, selector);

    /// <summary>Subscribes with a fresh copy of the selector, so counting and seeded selectors start afresh.</summary>
    public IDisposable Subscribe(IObserver<PacketBlock> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return new RestrictSink<TSelector>(observer, prototype).Run(source);
    }

    public IObservable<PacketBlock> Then<TNext>(TNext next) where TNext : struct, IPacketSelector =>
        new RestrictObservable<ChainSelector<TSelector, TNext>>(source, new ChainSelector<TSelector, TNext>(prototype, next));
}
