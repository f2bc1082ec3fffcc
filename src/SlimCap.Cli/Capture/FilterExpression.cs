using SlimCap.Cli.Infrastructure;
using SlimCap.Reactive;
using SlimCap.Reactive.FilterLanguage;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Capture;

/// <summary>
/// The pcap-filter expression given as trailing words (as tcpdump takes it), compiled to a classic BPF program for
/// a link type by the library's compiler (<see cref="PcapFilter"/>).
/// </summary>
internal static class FilterExpression
{
    /// <summary>The words joined as one expression, or null when there are none.</summary>
    /// <exception cref="UsageException">A word looks like an option: the parser took an unknown option for part of the expression.</exception>
    public static string? Join(IReadOnlyList<string>? words)
    {
        if (words is null || words.Count == 0) return null;
        // No pcap-filter word starts with '-' (a negative number is written "0 - 1"), so this is a mistyped option.
        if (words.FirstOrDefault(w => w.Length > 1 && w[0] == '-') is string option)
            throw new UsageException(option, "is not an option of this command; see --help (the filter expression comes after the options).");
        return string.Join(' ', words);
    }

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
