using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// The packet filters and samplers that every stream shape offers (blocks, <see cref="PacketRef"/> observables,
/// <c>await foreach</c>), made and checked once: each shape's operator checks its source, then applies the selector
/// made here its own way (narrowing a block's view, or skipping packets). Arguments are checked when the operator is
/// applied, not at subscription or enumeration.
/// </summary>
internal static class PacketSelectors
{
    internal static TypeSelector OfTypes(PacketTypes types) => new(types);

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is less than 1.</exception>
    internal static EveryNthSelector EveryNth(long n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        return new EveryNthSelector(n);
    }

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is not within [0, 1].</exception>
    internal static FractionSelector Fraction(double fraction, long seed)
    {
        if (!(fraction >= 0 && fraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The fraction must be within [0, 1].");
        return new FractionSelector(fraction, seed);
    }

    /// <exception cref="ArgumentNullException"><paramref name="program"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dialect"/> is not a <see cref="BpfDialect"/> value.</exception>
    /// <exception cref="InvalidBpfProgramException"><paramref name="dialect"/> is Linux and the kernel's checker refuses the program.</exception>
    internal static BpfSelector Bpf(BpfProgram program, BpfDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(program);
        if (!Enum.IsDefined(dialect)) throw new ArgumentOutOfRangeException(nameof(dialect), dialect, "not a BpfDialect value");
        if (dialect == BpfDialect.Linux) program.EnsureLinuxCompatible();
        return new BpfSelector(program, dialect);
    }
}
