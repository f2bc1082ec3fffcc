namespace SlimCap.Reactive.Filters;

/// <summary>The three ways tcpdump prints a compiled program.</summary>
public enum BpfTextFormat
{
    /// <summary><c>tcpdump -d</c>: one readable instruction per line, <c>(000) ldh [12]</c>.</summary>
    Listing,

    /// <summary><c>tcpdump -dd</c>: a C array initializer, <c>{ 0x28, 0, 0, 0x0000000c },</c>.</summary>
    CArray,

    /// <summary><c>tcpdump -ddd</c>: the instruction count, then <c>code jt jf k</c> in decimal per line.</summary>
    Decimal,
}
