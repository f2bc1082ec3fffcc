using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// An executed Polyglot notebook (the .ipynb dotnet-repl writes with --output-path), per code cell: what it printed
/// (stdout lines, plain-text outputs, and the one-line summaries .NET Interactive's HTML formatter puts in each
/// &lt;code&gt; hint: an anonymous object's "{ A = 1, B = x }", a record's ToString) and its errors.
/// </summary>
internal sealed partial class NotebookOutput
{
    private NotebookOutput(IReadOnlyList<(string Source, List<string> Lines, List<string> Errors)> cells) => Cells = cells;

    public IReadOnlyList<(string Source, List<string> Lines, List<string> Errors)> Cells { get; }

    public static NotebookOutput Load(string path)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        var cells = new List<(string, List<string>, List<string>)>();
        foreach (JsonElement cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            if (cell.GetProperty("cell_type").GetString() != "code") continue;
            List<string> lines = [], errors = [];
            foreach (JsonElement o in cell.GetProperty("outputs").EnumerateArray())
            {
                switch (o.GetProperty("output_type").GetString())
                {
                    case "stream":
                        lines.AddRange(Lines(Text(o.GetProperty("text"))));
                        break;
                    case "error":
                        errors.Add($"{o.GetProperty("ename").GetString()}: {o.GetProperty("evalue").GetString()}");
                        break;
                    default:
                        if (!o.TryGetProperty("data", out JsonElement data)) break;
                        if (data.TryGetProperty("text/plain", out JsonElement plain)) lines.AddRange(Lines(Text(plain)));
                        if (data.TryGetProperty("text/html", out JsonElement html))
                            lines.AddRange(CodeHint().Matches(Text(html)).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)));
                        break;
                }
            }
            cells.Add((Text(cell.GetProperty("source")), lines, errors));
        }
        return new NotebookOutput(cells);
    }

    /// <summary>Every line of the cells whose source does not contain <paramref name="exceptIn"/>.</summary>
    public List<string> LinesExcept(string exceptIn) =>
        [.. Cells.Where(c => !c.Source.Contains(exceptIn, StringComparison.Ordinal)).SelectMany(c => c.Lines)];

    // nbformat keeps multi-line text as a string or as an array of lines.
    private static string Text(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? string.Concat(e.EnumerateArray().Select(x => x.GetString())) : e.GetString() ?? "";

    private static IEnumerable<string> Lines(string text) => text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0);

    [GeneratedRegex("<code>(.*?)</code>", RegexOptions.Singleline)]
    private static partial Regex CodeHint();
}
