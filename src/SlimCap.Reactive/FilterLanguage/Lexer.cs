using System.Text.RegularExpressions;

namespace SlimCap.Reactive.FilterLanguage;

/// <summary>
/// Splits an expression into tokens exactly as libpcap 1.10's flex scanner does: the longest match wins,
/// and among equally long matches the earlier rule (keywords, then addresses, numbers, names). So
/// <c>1-1</c> is a name, <c>001122334455</c> an Ethernet address and <c>08</c> a bad octal number.
/// </summary>
internal static class Lexer
{
    private const string Hex = "[0-9A-Fa-f]";
    private const string Number = "(?:0[xX][0-9A-Fa-f]+|[0-9]+)";
    private const string Group = Hex + "{1,4}";

    private static readonly Regex Mac = new(
        @"\G(?:" + Hex + "{1,2}:" + Hex + "{1,2}:" + Hex + "{1,2}:" + Hex + "{1,2}:" + Hex + "{1,2}:" + Hex + "{1,2}" +
        "|" + Hex + "{1,2}-" + Hex + "{1,2}-" + Hex + "{1,2}-" + Hex + "{1,2}-" + Hex + "{1,2}-" + Hex + "{1,2}" +
        "|" + Hex + @"{1,2}\." + Hex + @"{1,2}\." + Hex + @"{1,2}\." + Hex + @"{1,2}\." + Hex + @"{1,2}\." + Hex + "{1,2}" +
        "|" + Hex + @"{4}\." + Hex + @"{4}\." + Hex + "{4}" +
        "|" + Hex + "{12})", RegexOptions.CultureInvariant);

    private static readonly Regex HostAddress = new(
        @"\G(?:" + Number + @"\." + Number + @"\." + Number + @"\." + Number + "|" + Number + @"\." + Number + @"\." + Number +
        "|" + Number + @"\." + Number + ")", RegexOptions.CultureInvariant);

    private static readonly Regex BogusMac = new(@"\G" + Hex + "{1,2}:+(?:" + Hex + "{1,2}:+)+", RegexOptions.CultureInvariant);

    private static readonly Regex[] Ipv6Forms = BuildIpv6Forms();

    /// <summary>Scans <paramref name="expression"/> into tokens, ending with <see cref="TokenKind.End"/>.</summary>
    public static List<Token> Scan(string expression)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (true)
        {
            while (i < expression.Length && expression[i] is ' ' or '\r' or '\n' or '\t') i++;
            if (i >= expression.Length)
            {
                tokens.Add(new Token(TokenKind.End, expression.Length, ""));
                return tokens;
            }
            Token token = Next(expression, i);
            tokens.Add(token);
            i += Math.Max(1, token.Kind == TokenKind.Id && expression[i] == '\\' ? token.Text.Length + 1 : token.Text.Length);
        }
    }

    private static Token Next(string s, int i)
    {
        // Candidates in scanner-rule order; the longest wins, the first on a tie.
        int best = 0;
        TokenKind kind = TokenKind.Error;
        void Offer(int length, TokenKind k)
        {
            if (length > best)
            {
                best = length;
                kind = k;
            }
        }

        int idLength = NameLength(s, i);
        Offer(PunctuationLength(s, i, out TokenKind punctuation), punctuation);
        if (idLength > 0 && Keywords.Words.TryGetValue(s.Substring(i, idLength), out TokenKind keyword)) Offer(idLength, keyword);
        if (s[i] == '$' && i + 1 < s.Length && IsHex(s[i + 1])) Offer(i + 2 < s.Length && IsHex(s[i + 2]) ? 3 : 2, TokenKind.Aid);
        Offer(MatchLength(Mac, s, i), TokenKind.Eid);
        Offer(NumberLength(s, i), TokenKind.Num);
        Offer(MatchLength(HostAddress, s, i), TokenKind.Hid);
        if (IsHex(s[i]) || s[i] == ':')
        {
            int v6 = 0;
            foreach (Regex form in Ipv6Forms) v6 = Math.Max(v6, MatchLength(form, s, i));
            Offer(v6, TokenKind.Hid6);
        }
        int bogus = MatchLength(BogusMac, s, i);
        Offer(bogus, TokenKind.Error);
        bool numberWord = idLength > 0 && Keywords.Numbers.ContainsKey(s.Substring(i, idLength));
        if (numberWord) Offer(idLength, TokenKind.Num);
        Offer(idLength, TokenKind.Id);
        if (s[i] == '\\')
        {
            int end = i + 1;
            while (end < s.Length && s[end] is not (' ' or '!' or '(' or ')' or '\n' or '\t')) end++;
            if (end > i + 1)
            {
                string name = s.Substring(i + 1, end - i - 1);
                if (end - i > best) return new Token(TokenKind.Id, i, name);
            }
        }

        string text = best == 0 ? s.Substring(i, 1) : s.Substring(i, best);
        switch (kind)
        {
            case TokenKind.Error when best == bogus && best > 0:
                return new Token(TokenKind.Eid, i, text, 0, $"bogus ethernet address {text}");
            case TokenKind.Error:
                return new Token(TokenKind.Error, i, text, 0, "can't parse filter expression: syntax error");
            case TokenKind.Num when numberWord && best == idLength:
                return new Token(TokenKind.Num, i, text, Keywords.Numbers[text]);
            case TokenKind.Num:
                return ParseNumber(text, i);
            case TokenKind.Hid6:
                return Ipv6Text.IsValid(text)
                    ? new Token(TokenKind.Hid6, i, text)
                    : new Token(TokenKind.Hid6, i, text, 0, $"bogus IPv6 address {text}");
            default:
                return new Token(kind, i, text);
        }
    }

    /// <summary>libpcap's stou: hex after 0x, octal after a leading 0, decimal otherwise, refusing more than 32 bits.</summary>
    private static Token ParseNumber(string text, int column)
    {
        ulong n = 0;
        if (text.Length > 1 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        {
            foreach (char c in text.AsSpan(2))
            {
                if (n > 0xFFFFFFF) return Overflow();
                n = (n << 4) + (uint)HexValue(c);
            }
        }
        else if (text[0] == '0')
        {
            foreach (char c in text.AsSpan(1))
            {
                if (c is < '0' or > '7') return new Token(TokenKind.Num, column, text, 0, $"number {text} contains non-octal digit");
                if (n > 0x1FFFFFFF) return Overflow();
                n = (n << 3) + (uint)(c - '0');
            }
        }
        else
        {
            foreach (char c in text)
            {
                n = n * 10 + (uint)(c - '0');
                if (n > uint.MaxValue) return Overflow();
            }
        }
        return new Token(TokenKind.Num, column, text, (uint)n);

        Token Overflow() => new(TokenKind.Num, column, text, 0, $"number {text} overflows 32 bits");
    }

    private static int PunctuationLength(string s, int i, out TokenKind kind)
    {
        char c = s[i];
        char next = i + 1 < s.Length ? s[i + 1] : '\0';
        (kind, int length) = (c, next) switch
        {
            ('>', '=') => (TokenKind.GreaterEqual, 2),
            ('<', '=') => (TokenKind.LessEqual, 2),
            ('!', '=') => (TokenKind.NotEqual, 2),
            ('=', '=') => (TokenKind.Equal, 2),
            ('<', '<') => (TokenKind.ShiftLeft, 2),
            ('>', '>') => (TokenKind.ShiftRight, 2),
            ('&', '&') => (TokenKind.And, 2),
            ('|', '|') => (TokenKind.Or, 2),
            ('+', _) => (TokenKind.Plus, 1),
            ('-', _) => (TokenKind.Minus, 1),
            ('*', _) => (TokenKind.Star, 1),
            ('/', _) => (TokenKind.Slash, 1),
            ('%', _) => (TokenKind.Percent, 1),
            (':', _) => (TokenKind.Colon, 1),
            ('[', _) => (TokenKind.LBracket, 1),
            (']', _) => (TokenKind.RBracket, 1),
            ('!', _) => (TokenKind.Not, 1),
            ('<', _) => (TokenKind.Less, 1),
            ('>', _) => (TokenKind.Greater, 1),
            ('(', _) => (TokenKind.LParen, 1),
            (')', _) => (TokenKind.RParen, 1),
            ('&', _) => (TokenKind.Amp, 1),
            ('|', _) => (TokenKind.Pipe, 1),
            ('^', _) => (TokenKind.Caret, 1),
            ('=', _) => (TokenKind.Equal, 1),
            _ => (TokenKind.Error, 0),
        };
        return length;
    }

    /// <summary>The scanner's name rule: <c>[A-Za-z0-9]([-_.A-Za-z0-9]*[.A-Za-z0-9])?</c>.</summary>
    private static int NameLength(string s, int i)
    {
        if (!char.IsAsciiLetterOrDigit(s[i])) return 0;
        int end = i + 1;
        while (end < s.Length && (char.IsAsciiLetterOrDigit(s[end]) || s[end] is '-' or '_' or '.')) end++;
        while (s[end - 1] is '-' or '_') end--;
        return end - i;
    }

    private static int NumberLength(string s, int i)
    {
        if (!char.IsAsciiDigit(s[i])) return 0;
        if (s[i] == '0' && i + 2 < s.Length && (s[i + 1] is 'x' or 'X') && IsHex(s[i + 2]))
        {
            int end = i + 2;
            while (end < s.Length && IsHex(s[end])) end++;
            return end - i;
        }
        int d = i;
        while (d < s.Length && char.IsAsciiDigit(s[d])) d++;
        return d - i;
    }

    private static int MatchLength(Regex regex, string s, int i)
    {
        Match m = regex.Match(s, i);
        return m.Success ? m.Length : 0;
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>The scanner's IPv6 forms: eight groups, "::" after k of g groups, and both with a dotted IPv4 tail.</summary>
    private static Regex[] BuildIpv6Forms()
    {
        var forms = new List<string> { string.Join(":", Enumerable.Repeat(Group, 8)) };
        for (int g = 7; g >= 0; g--)
            for (int k = 0; k <= g; k++)
                forms.Add(Compressed(g, k, ""));
        string v4 = Number + @"\." + Number + @"\." + Number + @"\." + Number;
        forms.Add(string.Join(":", Enumerable.Repeat(Group, 6)) + ":" + v4);
        for (int g = 5; g >= 0; g--)
            for (int k = 0; k <= g; k++)
                forms.Add(Compressed(g, k, v4));
        return forms.Select(f => new Regex(@"\G(?:" + f + ")", RegexOptions.CultureInvariant)).ToArray();

        static string Compressed(int groups, int before, string tail)
        {
            string head = string.Join(":", Enumerable.Repeat(Group, before));
            string rest = string.Join(":", Enumerable.Repeat(Group, groups - before));
            if (tail.Length > 0) rest = rest.Length > 0 ? rest + ":" + tail : tail;
            return head + "::" + rest;
        }
    }
}
