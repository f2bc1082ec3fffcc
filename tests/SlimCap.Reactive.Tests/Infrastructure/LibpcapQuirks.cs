namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>Expressions where libpcap's output differs from ours for a known, harmless reason, so comparisons skip them.</summary>
internal static class LibpcapQuirks
{
    /// <summary>
    /// IPv6 prefixes shorter than 97 bits and /0 IPv4 networks have a word the mask clears (libpcap loads it
    /// unoptimized and drops it optimized).
    /// </summary>
    internal static bool FullyMaskedAddressWord(string expression) =>
        System.Text.RegularExpressions.Regex.IsMatch(expression, @"::?[0-9a-fA-F:.]*/([0-9]|[1-8][0-9]|9[0-6])\b|/0\b|\bnet\s+::/");
}
