using System.Text;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>C# source with comments and the insides of string and character literals blanked out (newlines kept, so line
/// numbers stay), for checks that look for keywords and names in code only.</summary>
internal static class SourceText
{
    /// <summary>The code of <paramref name="source"/>: comments, strings and characters replaced by spaces.</summary>
    public static string CodeOnly(string source)
    {
        var code = new StringBuilder(source.Length);
        int i = 0;
        while (i < source.Length)
        {
            char c = source[i];
            char next = i + 1 < source.Length ? source[i + 1] : '\0';
            if (c == '/' && next == '/') i = Blank(source, code, i, source.IndexOf('\n', i) is int e and >= 0 ? e : source.Length);
            else if (c == '/' && next == '*') i = Blank(source, code, i, End(source.IndexOf("*/", i + 2, StringComparison.Ordinal), 2, source.Length));
            else if (c == '"' && next == '"' && i + 2 < source.Length && source[i + 2] == '"')
            {
                int quotes = 3;
                while (i + quotes < source.Length && source[i + quotes] == '"') quotes++;
                string fence = new('"', quotes);
                i = Blank(source, code, i, End(source.IndexOf(fence, i + quotes, StringComparison.Ordinal), quotes, source.Length));
            }
            else if (c == '@' && next == '"' || c == '$' && next == '@' || c == '@' && next == '$') i = Blank(source, code, i, Verbatim(source, i));
            else if (c == '"' || c == '$' && next == '"') i = Blank(source, code, i, Quoted(source, source.IndexOf('"', i), '"'));
            else if (c == '\'') i = Blank(source, code, i, Quoted(source, i, '\''));
            else
            {
                code.Append(c);
                i++;
            }
        }
        return code.ToString();
    }

    private static int End(int found, int length, int fallback) => found < 0 ? fallback : found + length;

    private static int Verbatim(string source, int start)
    {
        int i = source.IndexOf('"', start) + 1;
        while (i < source.Length)
        {
            if (source[i] == '"')
            {
                if (i + 1 < source.Length && source[i + 1] == '"') i += 2;
                else return i + 1;
            }
            else i++;
        }
        return source.Length;
    }

    private static int Quoted(string source, int open, char quote)
    {
        int i = open + 1;
        while (i < source.Length && source[i] != quote && source[i] != '\n') i += source[i] == '\\' ? 2 : 1;
        return Math.Min(i + 1, source.Length);
    }

    private static int Blank(string source, StringBuilder code, int from, int to)
    {
        for (int i = from; i < to; i++) code.Append(source[i] == '\n' ? '\n' : ' ');
        return to;
    }
}
