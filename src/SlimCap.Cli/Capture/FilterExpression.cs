using SlimCap.Reactive;
using SlimCap.Reactive.FilterLanguage;
using SlimCap.Reactive.Filters;

namespace SlimCap.Cli.Capture;

/// <summary>
/// The pcap-filter expression given as trailing words (as tcpdump takes it), compiled to a classic BPF program for
/// a link type by the library's compiler (<see cref="PcapFilter"/>).
/// </summary>
internal static class FilterExpression
{
    /// <summary>The words joined as one expression, or null when there are none.</summary>
    public static string? Join(IReadOnlyList<string>? words) =>
        words is null || words.Count == 0 ? null : string.Join(' ', words);

    /// <summary>
    /// Compiles <paramref name="expression"/> for frames of <paramref name="linkType"/> cut at <paramref name="snapLength"/>,
    /// for the kernel's socket filter (live) or for records of files; null when there is no expression.
    /// </summary>
    /// <exception cref="FilterExpressionException">The expression is refused; the message names the column (exit code 2).</exception>
    public static BpfProgram? Compile(string? expression, LinkType linkType, int snapLength, bool kernel)
    {
        if (expression is null) return null;
        return PcapFilter.Compile(expression, new PcapFilterOptions { LinkType = linkType, SnapLength = (uint)snapLength, LinuxKernel = kernel });
    }
}
