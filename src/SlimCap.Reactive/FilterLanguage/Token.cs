namespace SlimCap.Reactive.FilterLanguage;

/// <summary>One token: its kind, where it starts, its text, and a number's value.</summary>
/// <param name="Kind">What the scanner recognised.</param>
/// <param name="Column">0-based position of the first character.</param>
/// <param name="Text">The characters (for a backslash name, without the backslash).</param>
/// <param name="Value">The value of a <see cref="TokenKind.Num"/>.</param>
/// <param name="Error">For <see cref="TokenKind.Error"/> and bogus addresses: the scanner's message.</param>
internal readonly record struct Token(TokenKind Kind, int Column, string Text, uint Value = 0, string? Error = null);
