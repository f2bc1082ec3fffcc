using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Layering;

/// <summary>The dependency reader the layering checks rely on sees each kind of use, and invents none
/// (<c>Fixtures</c> holds one type per kind).</summary>
public sealed class TypeDependenciesTests
{
    private const string Fixtures = "SlimCap.Reactive.Tests.Layering.Fixtures.";
    private static readonly Lazy<TypeDependencies> Tests = new(() => TypeDependencies.Read(typeof(TypeDependenciesTests).Assembly.Location));

    [Theory]
    [InlineData("UsesByBase")]
    [InlineData("UsesInBody")]
    [InlineData("UsesInLambda")]
    [InlineData("UsesInAsync")]
    [InlineData("UsesInLocal")]
    public void A_use_of_each_kind_is_an_edge(string user) =>
        Assert.Contains(Tests.Value.Edges, e => e.From == Fixtures + user && e.To == Fixtures + "Target");

    [Fact]
    public void A_type_that_uses_nothing_has_no_edge() =>
        Assert.DoesNotContain(Tests.Value.Edges, e => e.From == Fixtures + "UsesNothing" && e.To.StartsWith(Fixtures, StringComparison.Ordinal));

    [Theory]
    [InlineData("UsesPointer", "pointer")]
    [InlineData("UsesFixed", "pinned local (fixed)")]
    public void Unsafe_code_leaves_a_trace(string user, string trace) =>
        Assert.Contains(Tests.Value.UnsafeTraces, t => t.From == Fixtures + user && t.To == trace);

    [Fact]
    public void Safe_stackalloc_and_utf8_literals_leave_no_unsafe_trace() =>
        Assert.DoesNotContain(Tests.Value.UnsafeTraces, t => t.From == Fixtures + "UsesStackallocSafely");
}
