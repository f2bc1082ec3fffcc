using System.Text.RegularExpressions;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>What a sample printed: its lines per section ("=== name"), and the "{ A = 1, B = x }" rows anonymous types print.</summary>
internal sealed partial class SampleOutput(string text)
{
    public IReadOnlyList<string> Section(string name)
    {
        string[] lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        int start = Array.IndexOf(lines, "=== " + name);
        Assert.True(start >= 0, $"no output section for {name} in:\n{text}");
        return lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("=== ", StringComparison.Ordinal)).ToList();
    }

    /// <summary>The rows of anonymous objects in <paramref name="lines"/>, as column name to text.</summary>
    public static List<Dictionary<string, string>> Rows(IEnumerable<string> lines) =>
        lines.Where(l => l.StartsWith("{ ", StringComparison.Ordinal))
            .Select(l => Field().Matches(l).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value))
            .ToList();

    [GeneratedRegex(@"(\w+) = ([^,}]*)")]
    private static partial Regex Field();
}
