using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.FilterLanguage;

/// <summary>
/// A pcap-filter expression was refused: a value out of range, a qualifier that does not apply, a
/// construct the link type cannot express, or (when optimizing) an expression that can never match.
/// The message names the problem, the column and the expression, as libpcap's does, plus the column.
/// </summary>
/// <remarks>Thread safety: immutable once thrown.</remarks>
public class FilterExpressionException : CaptureException
{
    /// <summary>Creates the exception for <paramref name="reason"/> at <paramref name="column"/> of <paramref name="expression"/>.</summary>
    public FilterExpressionException(string expression, int column, string reason)
        : base(Describe(expression, column, reason))
    {
        Expression = expression;
        Column = column;
        Reason = reason;
    }

    /// <summary>The expression as it was given.</summary>
    public string Expression { get; }

    /// <summary>The 0-based character position of the offending token (the expression's length for its end).</summary>
    public int Column { get; }

    /// <summary>What is wrong, without the position (libpcap's wording where libpcap has one).</summary>
    public string Reason { get; }

    private static string Describe(string expression, int column, string reason)
    {
        string at = column >= expression.Length ? "at the end" : $"at column {column + 1}";
        return $"Filter expression '{expression}': {reason} ({at})";
    }
}

/// <summary>The expression does not follow the pcap-filter grammar, or holds a character or number the lexer refuses.</summary>
/// <remarks>Thread safety: immutable once thrown.</remarks>
public sealed class FilterSyntaxException : FilterExpressionException
{
    /// <summary>Creates the exception for <paramref name="reason"/> at <paramref name="column"/> of <paramref name="expression"/>.</summary>
    public FilterSyntaxException(string expression, int column, string reason) : base(expression, column, reason) { }
}

/// <summary>
/// A name in the expression has no value: a host name (never looked up in DNS at compile time), a port,
/// protocol or network name missing from the services/protocols tables, an unknown ether protocol.
/// </summary>
/// <remarks>Thread safety: immutable once thrown.</remarks>
public sealed class FilterNameException : FilterExpressionException
{
    /// <summary>Creates the exception for <paramref name="name"/> at <paramref name="column"/> of <paramref name="expression"/>.</summary>
    public FilterNameException(string expression, int column, string name, string reason) : base(expression, column, reason)
    {
        Name = name;
    }

    /// <summary>The name that could not be resolved.</summary>
    public string Name { get; }
}
