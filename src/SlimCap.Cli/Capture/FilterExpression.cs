using SlimCap.Cli.Infrastructure;
using SlimCap.Reactive;
using SlimCap.Reactive.Filters;

namespace SlimCap.Cli.Capture;

/// <summary>
/// The pcap-filter expression given as trailing words (as tcpdump takes it), compiled to a classic BPF program for
/// a link type.
/// </summary>
internal static class FilterExpression
{
    /// <summary>The words joined as one expression, or null when there are none.</summary>
    public static string? Join(IReadOnlyList<string>? words) =>
        words is null || words.Count == 0 ? null : string.Join(' ', words);

    /// <summary>
    /// Compiles <paramref name="expression"/> for frames of <paramref name="linkType"/> cut at <paramref name="snapLength"/>;
    /// null when there is no expression.
    /// </summary>
    /// <exception cref="UsageException">The expression cannot be compiled (exit code 2).</exception>
    public static BpfProgram? Compile(string? expression, LinkType linkType, int snapLength)
    {
        if (expression is null) return null;
        _ = linkType;
        _ = snapLength;
        throw new UsageException("EXPR", $"filter expressions ('{expression}') are not yet supported: the pcap-filter compiler has not landed in this build; run without the expression.");
    }
}
