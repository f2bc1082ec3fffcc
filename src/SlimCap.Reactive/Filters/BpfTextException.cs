using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Filters;

/// <summary>Text given as a <c>tcpdump -ddd</c> program is not one: the message names the line and what is wrong.</summary>
/// <remarks>Thread safety: immutable once thrown.</remarks>
public sealed class BpfTextException : CaptureException
{
    /// <summary>Creates the exception for <paramref name="problem"/> on 1-based line <paramref name="line"/>.</summary>
    public BpfTextException(int line, string problem) : base($"BPF program text, line {line}: {problem}")
    {
        Line = line;
        Problem = problem;
    }

    /// <summary>The 1-based line of the problem.</summary>
    public int Line { get; }

    /// <summary>What is wrong, without the line.</summary>
    public string Problem { get; }
}
