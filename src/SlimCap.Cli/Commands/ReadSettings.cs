namespace SlimCap.Cli.Commands;

/// <summary>What <c>slimcap read</c> (and <c>convert</c>) was asked to do.</summary>
/// <param name="Files">The inputs, in order; <c>-</c> is stdin.</param>
/// <param name="Expression">The pcap-filter expression, or null.</param>
/// <param name="CountOnly">Print only the count (--count).</param>
/// <param name="Limit">Records to read at most, or 0 for all (-c).</param>
/// <param name="Write">The file to write (-w), or null.</param>
/// <param name="Json">One JSON object per record (--json).</param>
/// <param name="Print">One line per record (--print).</param>
internal sealed record ReadSettings(IReadOnlyList<string> Files, string? Expression, bool CountOnly, long Limit, string? Write, bool Json, bool Print);
