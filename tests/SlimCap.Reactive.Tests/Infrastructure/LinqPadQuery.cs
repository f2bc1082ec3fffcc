using System.Text;
using System.Xml.Linq;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// A LINQPad query file (.linq: an XML header, then C# statements) turned into the body of a .NET 10 file-based app:
/// its namespaces become usings, its statements an async local function, and LINQPad's <c>Dump()</c> a stand-in that
/// prints each value (or each item of a sequence) on a line, honouring the <c>ToDump()</c> convention as LINQPad does.
/// </summary>
internal sealed record LinqPadQuery(string Name, IReadOnlyList<string> Namespaces, IReadOnlyList<string> NuGetReferences, string Statements)
{
    /// <summary>The namespaces LINQPad imports into every query (those the samples rely on).</summary>
    private static readonly string[] DefaultNamespaces =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Text", "System.Threading", "System.Threading.Tasks"];

    public static LinqPadQuery Load(string path)
    {
        string text = File.ReadAllText(path);
        int end = text.IndexOf("</Query>", StringComparison.Ordinal);
        if (!text.StartsWith("<Query Kind=\"Statements\">", StringComparison.Ordinal) || end < 0)
            throw new InvalidDataException($"{path}: not a LINQPad Statements query (no <Query Kind=\"Statements\"> header)");
        XElement header = XElement.Parse(text[..(end + "</Query>".Length)]);
        return new LinqPadQuery(Path.GetFileNameWithoutExtension(path),
            header.Elements("Namespace").Select(e => e.Value).ToList(),
            header.Elements("NuGetReference").Select(e => e.Value).ToList(),
            text[(end + "</Query>".Length)..]);
    }

    /// <summary>
    /// One file-based app running <paramref name="queries"/> in turn, each with SLIMCAP_SAMPLE_FILE set to its input and a
    /// "=== name" line before its output; the library comes from <paramref name="libraryProject"/>.
    /// </summary>
    public static string ToFileBasedApp(IEnumerable<(LinqPadQuery Query, string Input)> queries, string libraryProject)
    {
        var app = new StringBuilder();
        app.AppendLine($"#:project {libraryProject}");
        app.AppendLine("#:property PublishAot=false"); // the Dump stand-in reflects over what it shows, as LINQPad does
        var list = queries.ToList();
        foreach (string ns in DefaultNamespaces.Concat(list.SelectMany(q => q.Query.Namespaces)).Distinct().Order(StringComparer.Ordinal))
            app.AppendLine($"using {ns};");
        for (int i = 0; i < list.Count; i++)
        {
            app.AppendLine($"Console.WriteLine(\"=== {list[i].Query.Name}\");");
            app.AppendLine($"Environment.SetEnvironmentVariable(\"SLIMCAP_SAMPLE_FILE\", @\"{list[i].Input}\");");
            app.AppendLine($"await Sample{i}();");
        }
        for (int i = 0; i < list.Count; i++)
        {
            app.AppendLine($"async Task Sample{i}()");
            app.AppendLine("{");
            app.AppendLine(list[i].Query.Statements);
            app.AppendLine("}");
        }
        app.AppendLine("""
            static class LinqPadDumpStandIn
            {
                public static T Dump<T>(this T value, string? title = null)
                {
                    if (title is not null) Console.WriteLine("--- " + title);
                    object? shown = Shown(value);
                    if (shown is System.Collections.IEnumerable items and not string)
                        foreach (object? item in items) Console.WriteLine(Shown(item)?.ToString() ?? "null");
                    else Console.WriteLine(shown?.ToString() ?? "null");
                    return value;
                }

                private static object? Shown(object? value) =>
                    value?.GetType().GetMethod("ToDump", Type.EmptyTypes) is { } toDump ? toDump.Invoke(value, null) : value;
            }
            """);
        return app.ToString();
    }
}
